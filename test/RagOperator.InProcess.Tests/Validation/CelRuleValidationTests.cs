using FluentAssertions;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.InProcess.Tests.Validation;

/// <summary>x-kubernetes-validations evaluated by <see cref="SchemaValidator"/>: locations, transition rules, reasons.</summary>
public sealed class CelRuleValidationTests
{
    private const string Spec = """
        {"type":"object","properties":{
           "dimension":{"type":"integer","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"dimension is immutable"}]},
           "shards":{"type":"integer"},
           "slots":{"type":"integer"},
           "mode":{"type":"string"},
           "items":{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}},
                    "x-kubernetes-validations":[{"rule":"self.n == oldSelf.n","message":"n is fixed"},{"rule":"self.n >= 0","message":"n must not be negative"}]}},
           "keyed":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                    "items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"v":{"type":"integer"}},
                    "x-kubernetes-validations":[{"rule":"self.v == oldSelf.v","message":"v is fixed"}]}},
           "limits":{"type":"object","additionalProperties":{"type":"integer","x-kubernetes-validations":[{"rule":"self > 0"}]}},
           "escaped":{"type":"object","properties":{"max-size":{"type":"integer"},"namespace":{"type":"string"}},
                      "x-kubernetes-validations":[{"rule":"self.max__dash__size > 0 && self.__namespace__ != ''","message":"escaped names work"}]}
         },
         "x-kubernetes-validations":[
           {"rule":"self.slots >= self.shards","message":"slots must be at least shards","fieldPath":".slots"},
           {"rule":"!has(self.mode) || self.mode != 'off'","message":"mode off is forbidden","reason":"FieldValueForbidden","fieldPath":".mode"},
           {"rule":"has(self.shards)","reason":"FieldValueRequired"},
           {"rule":"self.shards != 13","message":"unlucky","reason":"FieldValueDuplicate"},
           {"rule":"self.shards < 100 || self.shards / (self.slots - self.slots) > 0","message":"never shown"}
         ]}
        """;

    private static IEnumerable<string> Errors(string spec, string? oldSpec = null) =>
        TestSchemas.ValidateSpec(Spec, spec, oldSpec).Select(e => e.ToString());

    [Fact]
    public void A_valid_object_passes_every_rule()
    {
        Errors("""{"dimension":8,"shards":2,"slots":16}""").Should().BeEmpty();
    }

    [Fact]
    public void A_failed_rule_reports_its_message_at_the_schema_location_plus_its_field_path()
    {
        Errors("""{"shards":8,"slots":4}""").Should().Equal("spec.slots: Invalid value: \"object\": slots must be at least shards");
    }

    [Fact]
    public void The_reason_chooses_the_error_type()
    {
        Errors("""{"shards":2,"slots":4,"mode":"off"}""").Should().Equal("spec.mode: Forbidden: mode off is forbidden");
        Errors("""{"slots":4}""").Should().Contain("spec: Required value: failed rule: has(self.shards)");
        Errors("""{"shards":13,"slots":16}""").Should().Equal("spec: Duplicate value: \"object\"");
        TestSchemas.ValidateSpec(Spec, """{"shards":2,"slots":4,"mode":"off"}""").Single().Type.Should().Be(FieldErrorTypes.Forbidden);
    }

    [Fact]
    public void A_rule_without_a_message_reports_the_rule_itself()
    {
        Errors("""{"shards":2,"slots":4,"limits":{"cpu":0}}""").Should().Equal("spec.limits[cpu]: Invalid value: \"integer\": failed rule: self > 0");
    }

    [Fact]
    public void A_rule_that_errors_at_run_time_is_reported_as_invalid_with_the_cel_error()
    {
        Errors("""{"shards":200,"slots":400}""").Should().Equal(
            "spec: Invalid value: \"object\": division by zero evaluating rule: self.shards < 100 || self.shards / (self.slots - self.slots) > 0");
    }

    [Fact]
    public void Transition_rules_are_not_evaluated_on_create()
    {
        Errors("""{"dimension":8,"shards":2,"slots":4}""").Should().BeEmpty();
    }

    [Fact]
    public void Transition_rules_compare_against_the_old_object_on_update()
    {
        Errors("""{"dimension":16,"shards":2,"slots":4}""", """{"dimension":8,"shards":2,"slots":4}""")
            .Should().Equal("spec.dimension: Invalid value: \"integer\": dimension is immutable");
        Errors("""{"dimension":8,"shards":3,"slots":4}""", """{"dimension":8,"shards":2,"slots":4}""").Should().BeEmpty();
    }

    [Fact]
    public void A_transition_rule_is_skipped_when_the_old_object_lacks_the_field()
    {
        Errors("""{"dimension":16,"shards":2,"slots":4}""", """{"shards":2,"slots":4}""").Should().BeEmpty();
    }

    [Fact]
    public void Items_of_a_plain_list_have_no_old_self_but_their_other_rules_run()
    {
        Errors("""{"shards":2,"slots":4,"items":[{"n":2},{"n":-1}]}""", """{"shards":2,"slots":4,"items":[{"n":1},{"n":-1}]}""")
            .Should().Equal("spec.items[1]: Invalid value: \"object\": n must not be negative");
    }

    [Fact]
    public void Items_of_a_list_map_correlate_with_old_items_by_key()
    {
        const string old = """{"shards":2,"slots":4,"keyed":[{"name":"a","v":1},{"name":"b","v":2}]}""";

        Errors("""{"shards":2,"slots":4,"keyed":[{"name":"b","v":2},{"name":"a","v":1},{"name":"c","v":9}]}""", old).Should().BeEmpty();
        Errors("""{"shards":2,"slots":4,"keyed":[{"name":"b","v":3},{"name":"a","v":1}]}""", old)
            .Should().Equal("spec.keyed[0]: Invalid value: \"object\": v is fixed");
    }

    [Fact]
    public void Escaped_property_names_select_the_real_fields()
    {
        Errors("""{"shards":2,"slots":4,"escaped":{"max-size":1,"namespace":"ns"}}""").Should().BeEmpty();
        Errors("""{"shards":2,"slots":4,"escaped":{"max-size":0,"namespace":"ns"}}""")
            .Should().Equal("spec.escaped: Invalid value: \"object\": escaped names work");
    }

    [Fact]
    public void Rules_at_the_root_see_the_whole_object_and_only_its_metadata_name()
    {
        var root = TestSchemas.RootJson("""{"type":"object","properties":{"shards":{"type":"integer"}}}""");
        root["x-kubernetes-validations"] = System.Text.Json.Nodes.JsonNode.Parse(
            """[{"rule":"self.metadata.name.startsWith('w') && self.spec.shards > 0","message":"root rule","fieldPath":".spec.shards"}]""");
        var schema = StructuralSchema.Parse(root);

        SchemaValidator.Validate(schema, TestSchemas.Resource("""{"shards":1}"""), null).Should().BeEmpty();
        SchemaValidator.Validate(schema, TestSchemas.Resource("""{"shards":0}"""), null).Select(e => e.ToString())
            .Should().Equal("spec.shards: Invalid value: \"object\": root rule");

        root["x-kubernetes-validations"] = System.Text.Json.Nodes.JsonNode.Parse("""[{"rule":"has(self.metadata.labels)"}]""");
        var parse = () => StructuralSchema.Parse(root);
        parse.Should().Throw<StructuralSchemaException>().WithMessage("*undefined field 'labels'*");
    }
}
