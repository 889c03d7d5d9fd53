using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.Schema;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Validation;
using RagOperator.InProcess.Validation.Cel;
using Xunit;

namespace RagOperator.Api.Tests;

public sealed class GeneratedCrdTests
{
    private const string OutOfDate = "crds/ is out of date: run `make manifests`";

    [Fact]
    public void The_crds_folder_is_exactly_what_the_generator_produces()
    {
        var generated = CrdGenerator.GenerateAll();
        var onDisk = CrdSchemas.CrdFiles().Select(Path.GetFileName);

        onDisk.Should().Equal(generated.Keys, OutOfDate);
        foreach (var (file, yaml) in generated)
        {
            File.ReadAllText(Repository.Path("crds", file)).Should().Be(yaml, OutOfDate);
        }
    }

    [Fact]
    public void The_chart_carries_the_same_crds_when_it_ships_them()
    {
        var chartCrds = Repository.Path("charts", "rag-operator", "crds");
        if (!Directory.Exists(chartCrds)) return; // the chart may install CRDs from crds/ instead of its own copy

        foreach (var (file, yaml) in CrdGenerator.GenerateAll())
        {
            File.ReadAllText(Path.Combine(chartCrds, file)).Should().Be(yaml, "charts/rag-operator/crds is out of date: run `make manifests`");
        }
    }

    [Fact]
    public void Every_generated_crd_is_a_structural_schema_the_api_server_accepts()
    {
        CrdSchemas.ByKind.Keys.Should().BeEquivalentTo(VectorCollection.KindName, VectorNodePool.KindName, VectorSnapshot.KindName, VectorRestore.KindName);
        foreach (var kind in CrdSchemas.ByKind.Keys)
        {
            var parse = () => CrdSchemas.For(kind);
            parse.Should().NotThrow($"the {kind} CRD must be structural, with valid defaults and compiling CEL rules");
        }
    }

    [Fact]
    public void Every_cel_rule_in_the_generated_crds_parses_with_the_in_process_interpreter()
    {
        var rules = CrdSchemas.ByKind.Values.SelectMany(crd => Rules(CrdSchemas.OpenApiSchema(crd))).ToList();

        rules.Should().HaveCountGreaterThanOrEqualTo(8, "dimension, distance and slots immutability, slots >= shards, the strategy guard, two quantization rules and the GPU count");
        foreach (var rule in rules)
        {
            var compile = () => CelProgram.Compile(rule);
            compile.Should().NotThrow($"rule `{rule}` must be in the supported CEL subset");
        }
    }

    [Theory]
    [InlineData("spec.dimension")]
    [InlineData("spec.distance")]
    [InlineData("spec.sharding.slots")]
    public void Immutable_fields_carry_a_transition_rule(string path)
    {
        var node = Descend(CrdSchemas.For(VectorCollection.KindName), path);

        node.Rules.Should().ContainSingle(r => r.IsTransitionRule && r.Rule == "self == oldSelf");
    }

    [Fact]
    public void The_vector_collection_crd_has_the_names_scope_subresource_and_printer_columns_of_the_design()
    {
        var crd = CrdSchemas.ByKind[VectorCollection.KindName];
        var version = crd["spec"]!["versions"]![0]!;

        crd["metadata"]!["name"]!.GetValue<string>().Should().Be("vectorcollections.ragoperator.io");
        crd["spec"]!["scope"]!.GetValue<string>().Should().Be("Namespaced");
        Strings(crd["spec"]!["names"]!["shortNames"]).Should().Equal("vc");
        Strings(crd["spec"]!["names"]!["categories"]).Should().Contain("ragoperator");
        version["subresources"]!["status"].Should().BeOfType<JsonObject>();
        version["subresources"]!["scale"]!.ToJsonString().Should().Be(
            """{"specReplicasPath":".spec.shards","statusReplicasPath":".status.currentShards","labelSelectorPath":".status.selector"}""",
            "kubectl scale, an HPA or KEDA drive the shard count");
        version["additionalPrinterColumns"]!.AsArray().Select(c => c!["name"]!.GetValue<string>())
            .Should().Contain(["Shards", "Replicas", "Phase", "Routing", "Age"]);
    }

    [Fact]
    public void The_vector_node_pool_crd_is_cluster_scoped_with_its_short_name()
    {
        var crd = CrdSchemas.ByKind[VectorNodePool.KindName];

        crd["spec"]!["scope"]!.GetValue<string>().Should().Be("Cluster");
        Strings(crd["spec"]!["names"]!["shortNames"]).Should().Equal("vnp");
        crd["spec"]!["versions"]![0]!["subresources"]!["status"].Should().BeOfType<JsonObject>();
        crd["spec"]!["versions"]![0]!["subresources"]!["scale"].Should().BeNull();
    }

    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("1m5ms", 60_005)]
    [InlineData("0s", 0)]
    public void A_min_interval_is_read_as_the_duration_it_names(string text, long milliseconds)
    {
        RebalanceIntervals.Parse(text).Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 m")]
    [InlineData("-5m")]
    [InlineData("1d")]
    public void Text_that_is_not_a_duration_is_no_min_interval_and_the_crd_pattern_refuses_it(string? text)
    {
        RebalanceIntervals.Parse(text).Should().BeNull();
        if (!string.IsNullOrEmpty(text)) System.Text.RegularExpressions.Regex.IsMatch(text, RebalanceIntervals.Pattern).Should().BeFalse();
    }

    [Fact]
    public void Status_conditions_are_list_maps_keyed_by_type_in_the_condition_shape()
    {
        var conditions = Descend(CrdSchemas.For(VectorCollection.KindName), "status.conditions");

        conditions.ListType.Should().Be("map");
        conditions.ListMapKeys.Should().Equal("type");
        conditions.Items!.Required.Should().BeEquivalentTo("type", "status", "reason", "message");
        conditions.Items.Properties["lastTransitionTime"].Format.Should().Be("date-time");
    }

    private static StructuralSchema Descend(StructuralSchema schema, string path) =>
        path.Split('.').Aggregate(schema, (s, name) => s.Properties[name]);

    private static IEnumerable<string> Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>());

    private static IEnumerable<string> Rules(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(kv => kv.Key == "x-kubernetes-validations"
            ? kv.Value!.AsArray().Select(r => r!["rule"]!.GetValue<string>())
            : Rules(kv.Value)),
        JsonArray array => array.SelectMany(Rules),
        _ => [],
    };
}
