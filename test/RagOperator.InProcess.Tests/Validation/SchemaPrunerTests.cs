using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.InProcess.Tests.Validation;

public sealed class SchemaPrunerTests
{
    private const string Spec = """
        {"type":"object","properties":{
          "known":{"type":"string"},
          "nested":{"type":"object","properties":{"a":{"type":"integer"}}},
          "list":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}}}},
          "labels":{"type":"object","additionalProperties":{"type":"string"}},
          "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"typed":{"type":"object","properties":{"b":{"type":"string"}}}}},
          "opaque":{"x-kubernetes-preserve-unknown-fields":true},
          "nullableField":{"type":"string","nullable":true},
          "withDefault":{"type":"string","default":"d"},
          "embedded":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object","properties":{"x":{"type":"integer"}}}}}
        }}
        """;

    public static TheoryData<string, string> Cases => new()
    {
        // spec before pruning, spec after
        { """{"known":"k","unknown":1}""", """{"known":"k"}""" },
        { """{"nested":{"a":1,"b":2}}""", """{"nested":{"a":1}}""" },
        { """{"list":[{"name":"n","extra":true},{"other":1}]}""", """{"list":[{"name":"n"},{}]}""" },
        { """{"labels":{"a":"1","b":"2"}}""", """{"labels":{"a":"1","b":"2"}}""" },
        { """{"free":{"anything":{"deep":1},"typed":{"b":"x","c":"pruned"}}}""", """{"free":{"anything":{"deep":1},"typed":{"b":"x"}}}""" },
        { """{"opaque":{"x":[1,{"y":2}]}}""", """{"opaque":{"x":[1,{"y":2}]}}""" },
        { """{"known":null}""", "{}" },
        { """{"nullableField":null}""", """{"nullableField":null}""" },
        { """{"withDefault":null}""", """{"withDefault":null}""" },
        { """{"embedded":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"b"}},"spec":{"x":1,"y":2},"data":{}}}""",
          """{"embedded":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"b"}},"spec":{"x":1}}}""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fields_the_schema_does_not_declare_are_dropped(string before, string after)
    {
        var obj = TestSchemas.Resource(before);

        SchemaPruner.Prune(TestSchemas.WithSpec(Spec), obj);

        JsonNode.DeepEquals(obj["spec"], JsonNode.Parse(after)).Should().BeTrue($"got {obj["spec"]!.ToJsonString()}");
    }

    [Fact]
    public void ApiVersion_kind_and_metadata_are_kept_at_the_root_and_unknown_root_fields_dropped()
    {
        var obj = TestSchemas.Resource("{}");
        obj["metadata"] = new JsonObject { ["name"] = "w", ["labels"] = new JsonObject { ["app"] = "x" }, ["annotations"] = new JsonObject() };
        obj["extra"] = "dropped";

        SchemaPruner.Prune(TestSchemas.WithSpec(Spec), obj);

        obj.Select(kv => kv.Key).Should().Equal("apiVersion", "kind", "metadata", "spec");
        obj["metadata"]!["labels"]!["app"]!.GetValue<string>().Should().Be("x");
    }

    [Fact]
    public void Pruning_then_defaulting_fills_a_null_that_has_a_default()
    {
        var schema = TestSchemas.WithSpec(Spec);
        var obj = TestSchemas.Resource("""{"withDefault":null}""");

        SchemaPruner.Prune(schema, obj);
        SchemaDefaulter.ApplyDefaults(schema, obj);

        obj["spec"]!["withDefault"]!.GetValue<string>().Should().Be("d");
    }
}
