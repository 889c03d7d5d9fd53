using RagOperator.TestSupport.Manifests;

namespace RagOperator.Deploy.Tests;

public sealed class YamlDocumentsTests
{
    [Fact]
    public void Plain_scalars_are_typed_like_the_kubernetes_yaml_decoder_and_quoted_ones_stay_strings()
    {
        var document = YamlDocuments.Load("""
            a: 1
            b: "1"
            c: true
            d: 'false'
            e: 2.5
            f: null
            g: ~
            h: 0.1.0
            i: |
              line
            j: -7
            """).Single();

        document["a"]!.GetValue<long>().Should().Be(1);
        document["b"]!.GetValue<string>().Should().Be("1");
        document["c"]!.GetValue<bool>().Should().BeTrue();
        document["d"]!.GetValue<string>().Should().Be("false");
        document["e"]!.GetValue<double>().Should().Be(2.5);
        document["f"].Should().BeNull();
        document["g"].Should().BeNull();
        document["h"]!.GetValue<string>().Should().Be("0.1.0");
        document["i"]!.GetValue<string>().Should().Be("line\n");
        document["j"]!.GetValue<long>().Should().Be(-7);
    }

    [Fact]
    public void Multi_document_output_skips_empty_documents_and_comments()
    {
        var documents = YamlDocuments.Load("""
            ---
            # Source: chart/templates/a.yaml
            kind: A
            ---
            # Source: chart/templates/empty.yaml
            ---
            kind: B
            """);

        documents.Select(d => d["kind"]!.GetValue<string>()).Should().Equal("A", "B");
    }

    [Fact]
    public void Pod_specs_are_found_in_every_workload_kind_and_in_lists()
    {
        var pods = PodSpecs.FromYaml("""
            kind: Pod
            metadata: {name: p}
            spec: {containers: [{name: a}]}
            ---
            kind: StatefulSet
            metadata: {name: s, namespace: ns}
            spec: {template: {metadata: {annotations: {x: y}}, spec: {containers: [{name: a}]}}}
            ---
            kind: CronJob
            metadata: {name: c}
            spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a}]}}}}}
            ---
            kind: List
            items:
              - kind: DaemonSet
                metadata: {name: d}
                spec: {template: {spec: {containers: [{name: a}]}}}
            ---
            kind: Service
            metadata: {name: ignored}
            """);

        pods.Select(p => (p.Kind, p.Name, p.SpecPath)).Should().Equal(
            ("Pod", "p", "spec"),
            ("StatefulSet", "s", "spec.template.spec"),
            ("CronJob", "c", "spec.jobTemplate.spec.template.spec"),
            ("DaemonSet", "d", "spec.template.spec"));
        pods[1].Namespace.Should().Be("ns");
        pods[1].Metadata!["annotations"]!["x"]!.GetValue<string>().Should().Be("y");
    }

    [Fact]
    public void A_workload_without_a_pod_spec_is_an_error()
    {
        var load = () => PodSpecs.FromYaml("kind: Deployment\nmetadata: {name: broken}\nspec: {}\n");

        load.Should().Throw<FormatException>().WithMessage("*Deployment broken*");
    }

    [Fact]
    public void Duplicate_keys_are_rejected()
    {
        var load = () => YamlDocuments.Load("a: 1\na: 2\n");

        load.Should().Throw<Exception>();
    }
}
