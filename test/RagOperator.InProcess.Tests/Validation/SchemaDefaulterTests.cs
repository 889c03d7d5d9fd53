using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.InProcess.Tests.Validation;

public sealed class SchemaDefaulterTests
{
    private const string Spec = """
        {"type":"object","properties":{
          "shards":{"type":"integer","default":1},
          "sharding":{"type":"object","default":{},"properties":{
            "strategy":{"type":"string","default":"hash"},
            "slots":{"type":"integer","default":16384}}},
          "storage":{"type":"object","properties":{
            "size":{"type":"string","default":"10Gi"}}},
          "label":{"type":"string","nullable":true,"default":"x"},
          "tags":{"type":"array","items":{"type":"string","default":"none"}},
          "limits":{"type":"object","additionalProperties":{"type":"object","properties":{"max":{"type":"integer","default":5}}}}
        }}
        """;

    public static TheoryData<string, string> Cases => new()
    {
        // spec before defaulting, spec after
        { "{}", """{"shards":1,"sharding":{"strategy":"hash","slots":16384},"label":"x"}""" },
        { """{"shards":3}""", """{"shards":3,"sharding":{"strategy":"hash","slots":16384},"label":"x"}""" },
        { """{"sharding":{"slots":64}}""", """{"shards":1,"sharding":{"slots":64,"strategy":"hash"},"label":"x"}""" },
        { """{"storage":{}}""", """{"shards":1,"sharding":{"strategy":"hash","slots":16384},"storage":{"size":"10Gi"},"label":"x"}""" },
        { """{"shards":null}""", """{"shards":1,"sharding":{"strategy":"hash","slots":16384},"label":"x"}""" },
        { """{"label":null}""", """{"shards":1,"sharding":{"strategy":"hash","slots":16384},"label":null}""" },
        { """{"tags":["a",null]}""", """{"shards":1,"sharding":{"strategy":"hash","slots":16384},"tags":["a","none"],"label":"x"}""" },
        { """{"limits":{"cpu":{}}}""", """{"shards":1,"sharding":{"strategy":"hash","slots":16384},"limits":{"cpu":{"max":5}},"label":"x"}""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Defaults_apply_where_the_parent_exists(string before, string after)
    {
        var obj = TestSchemas.Resource(before);

        SchemaDefaulter.ApplyDefaults(TestSchemas.WithSpec(Spec), obj);

        JsonNode.DeepEquals(obj["spec"], JsonNode.Parse(after)).Should().BeTrue($"got {obj["spec"]!.ToJsonString()}");
    }

    [Fact]
    public void A_nested_default_is_not_applied_when_its_parent_is_absent()
    {
        var obj = TestSchemas.Resource("{}");

        SchemaDefaulter.ApplyDefaults(TestSchemas.WithSpec(Spec), obj);

        obj["spec"]!.AsObject().ContainsKey("storage").Should().BeFalse("storage has no default of its own, so storage.size must not materialise it");
    }

    [Fact]
    public void Defaulting_leaves_no_spec_alone_when_the_spec_itself_is_absent()
    {
        var obj = new JsonObject { ["apiVersion"] = "example.io/v1", ["kind"] = "Widget", ["metadata"] = new JsonObject() };

        SchemaDefaulter.ApplyDefaults(TestSchemas.WithSpec(Spec), obj);

        obj.ContainsKey("spec").Should().BeFalse();
    }

    [Fact]
    public void Applied_defaults_are_copies_so_mutating_one_object_does_not_change_the_next()
    {
        var schema = TestSchemas.WithSpec(Spec);
        var first = TestSchemas.Resource("{}");
        SchemaDefaulter.ApplyDefaults(schema, first);
        first["spec"]!["sharding"]!["slots"] = 1;

        var second = TestSchemas.Resource("{}");
        SchemaDefaulter.ApplyDefaults(schema, second);

        second["spec"]!["sharding"]!["slots"]!.GetValue<int>().Should().Be(16384);
    }

    [Fact]
    public void Values_of_the_wrong_type_are_left_for_validation_to_reject()
    {
        var obj = TestSchemas.Resource("""{"sharding":"nope"}""");

        SchemaDefaulter.ApplyDefaults(TestSchemas.WithSpec(Spec), obj);

        obj["spec"]!["sharding"]!.GetValue<string>().Should().Be("nope");
    }
}
