using RagOperator.Deploy.Tests.Infrastructure;

namespace RagOperator.Deploy.Tests;

public sealed class CrdSyncTests
{
    [Fact]
    public void The_charts_crds_equal_the_generated_crds_byte_for_byte()
    {
        var generated = CrdFiles(Repository.Path("crds"));
        var chart = CrdFiles(Repository.Path("charts", "rag-operator", "crds"));

        generated.Should().NotBeEmpty();
        chart.Keys.Should().BeEquivalentTo(generated.Keys, "charts/rag-operator/crds must hold exactly the generated CRDs; run `make manifests`");
        foreach (var (name, bytes) in generated)
        {
            chart[name].SequenceEqual(bytes).Should().BeTrue($"charts/rag-operator/crds/{name} differs from crds/{name}; run `make manifests`");
        }
    }

    [Fact]
    public void Kustomize_installs_the_same_crds_as_the_chart()
    {
        var kustomized = Rendered.Get(Rendered.Kustomize).OfKind("CustomResourceDefinition").Select(c => c["metadata"]!["name"]!.GetValue<string>());

        kustomized.Should().BeEquivalentTo(
            "vectorcollections.ragoperator.io", "vectornodepools.ragoperator.io", "vectorsnapshots.ragoperator.io", "vectorrestores.ragoperator.io");
    }

    // Every CRD manifest; crds/kustomization.yaml exists only so config/crd can include the folder.
    private static Dictionary<string, byte[]> CrdFiles(string directory) =>
        Directory.GetFiles(directory, "*.yaml")
            .Where(path => Path.GetFileName(path) != "kustomization.yaml")
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes, StringComparer.Ordinal);
}
