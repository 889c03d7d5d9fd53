using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class ProtocolPrimitivesTests
{
    [Fact]
    public void Fields_v1_round_trips_and_marks_items_that_have_members_below_them()
    {
        var obj = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x","labels":{"a":"1"}},
             "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"app","image":"i","ports":[{"containerPort":80}]}]}}}}
            """)!.AsObject();

        var fields = FieldPaths.Collect(obj, BuiltInShape.Instance, FieldScope.All);
        var encoded = FieldPaths.ToFieldsV1(fields);

        FieldPaths.FromFieldsV1(encoded).Should().BeEquivalentTo(fields);
        var container = encoded["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"app\"}"]!.AsObject();
        container.Select(p => p.Key).Should().Equal(".", "f:image", "f:name", "f:ports");
        container["f:ports"]!.AsObject().Select(p => p.Key).Should().Equal("k:{\"containerPort\":80,\"protocol\":\"TCP\"}");
        encoded["f:metadata"]!.AsObject().Select(p => p.Key).Should().Equal("f:labels");
    }

    [Fact]
    public void Yaml_scalars_follow_the_core_schema_and_quoted_scalars_stay_strings()
    {
        var node = YamlJson.Parse("""
            int: 42
            float: 0.5
            bool: true
            nothing: null
            quoted: "42"
            version: v1.19.0
            size: 10Gi
            word: yes
            list: [1, two]
            """)!.AsObject();

        node.ToJsonString().Should().Be("""{"int":42,"float":0.5,"bool":true,"nothing":null,"quoted":"42","version":"v1.19.0","size":"10Gi","word":"yes","list":[1,"two"]}""");
    }

    [Fact]
    public void Json_patch_is_all_or_nothing()
    {
        var target = JsonNode.Parse("""{"a":1}""")!;
        var patch = JsonNode.Parse("""[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/missing"}]""")!;

        var apply = () => JsonPatch.Apply(target, patch);

        apply.Should().Throw<ApiStatusException>().Which.Code.Should().Be(422);
        target.ToJsonString().Should().Be("""{"a":1}""");
    }

    [Fact]
    public void Json_merge_patch_follows_rfc_7386()
    {
        var target = JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"},"l":[1,2]}""");
        var patch = JsonNode.Parse("""{"a":"z","c":{"f":null},"l":[3]}""");

        JsonMergePatch.Apply(target, patch)!.ToJsonString().Should().Be("""{"a":"z","c":{"d":"e"},"l":[3]}""");
    }

    [Theory]
    [InlineData("a=b,c in (d, e),!f,g", 4)]
    [InlineData("example.com/tier notin (x)", 1)]
    [InlineData("", 0)]
    public void Label_selectors_parse_into_requirements(string text, int count)
    {
        LabelSelector.Parse(text).Requirements.Should().HaveCount(count);
    }

    [Theory]
    [InlineData("a=b=c")]
    [InlineData("a in (b")]
    [InlineData("-bad=x")]
    public void Malformed_label_selectors_are_bad_requests(string text)
    {
        var parse = () => LabelSelector.Parse(text);

        parse.Should().Throw<ApiStatusException>().Which.Code.Should().Be(400);
    }

    [Fact]
    public void The_store_compacts_the_oldest_history_past_its_limit()
    {
        var store = new ObjectStore(historyLimit: 20);
        lock (store.Sync)
        {
            for (var i = 0; i < 25; i++)
            {
                store.Commit(new ObjectKey("configmaps", "default", $"cm{i}"), new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"cm{i}" } }, WatchEventType.Added);
            }
        }

        // Past 20 events the oldest tenth (2) goes at once: 21 -> 19, 23 -> 19, 25 -> 19 events kept.
        store.ResourceVersion.Should().Be(25);
        store.CompactedResourceVersion.Should().Be(25 - 19);
        store.Count("configmaps").Should().Be(25);
    }
}
