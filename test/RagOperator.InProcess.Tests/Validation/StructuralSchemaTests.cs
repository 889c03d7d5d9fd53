using FluentAssertions;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.InProcess.Tests.Validation;

public sealed class StructuralSchemaTests
{
    public static TheoryData<string, string> NonStructural => new()
    {
        // schema of spec, a fragment the rejection message must contain
        { """{"properties":{"a":{"type":"string"}}}""", "properties[spec].type: Required value" },
        { """{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"string"}}""", "additionalProperties and properties are mutually exclusive" },
        { """{"type":"object","additionalProperties":true}""", "boolean additionalProperties are not supported" },
        { """{"type":"array"}""", "properties[spec].items: Required value: must be specified for type array" },
        { """{"type":"array","items":[{"type":"string"}]}""", "items must be a single schema" },
        { """{"type":"string","properties":{"a":{"type":"string"}}}""", "properties and additionalProperties need type object" },
        { """{"type":"array","items":{"type":"string"},"uniqueItems":true}""", "uniqueItems cannot be set to true" },
        { """{"$ref":"#/definitions/x"}""", "$ref is not supported" },
        { """{"type":"object","patternProperties":{}}""", "patternProperties are not supported" },
        { """{"type":"texte"}""", "Unsupported value: \"texte\"" },
        { """{"type":"object","minimun":1}""", "minimun: Forbidden: unknown schema keyword" },
        { """{"type":"object","x-kubernetes-preserve-unknown-fields":false}""", "must be true or undefined" },
        { """{"type":"string","x-kubernetes-int-or-string":true}""", "must be empty to be structural" },
        { """{"type":"object","properties":{"a":{"type":"string"}},"anyOf":[{"type":"object"}]}""", "anyOf[0].type: Forbidden: must not be used inside allOf, anyOf, oneOf or not" },
        { """{"type":"object","properties":{"a":{"type":"string"}},"anyOf":[{"required":["a"]},{"properties":{"b":{"minLength":1}}}]}""", "anyOf[1].properties[b]: Required value: must be specified in the structural part" },
        { """{"type":"object","oneOf":[{"default":{}}]}""", "oneOf[0].default: Forbidden" },
        { """{"type":"string","pattern":"(unclosed"}""", "pattern: Invalid value: \"(unclosed\"" },
        { """{"type":"integer","default":0,"minimum":1}""", "properties[spec].default: Invalid value: 0: default in body should be greater than or equal to 1" },
        { """{"type":"object","properties":{"a":{"type":"string"}},"default":{"a":"x","b":1}}""", "default: Invalid value: {\"a\":\"x\",\"b\":1}: must not have unknown fields" },
        { """{"type":"object","default":{},"properties":{"a":{"type":"integer","default":"x"}}}""", "properties[a].default: Invalid value: \"x\": default in body must be of type integer" },
        { """{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","properties":{"k":{"type":"string"}}}}""", "list map keys must be required or have a default" },
        { """{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["missing"],"items":{"type":"object","properties":{"k":{"type":"string"}}}}""", "\"missing\": is not a property of the items" },
        { """{"type":"array","x-kubernetes-list-type":"set","items":{"type":"object"}}""", "requires scalar (or atomic) items" },
        { """{"type":"string","x-kubernetes-list-type":"map"}""", "must only be used with type array" },
        { """{"type":"object","x-kubernetes-validations":[{"rule":"self.a ==","message":"m"}]}""", "x-kubernetes-validations[0].rule: Invalid value: \"self.a ==\": compilation failed: ERROR: <input>:1:10: Syntax error: mismatched input '<EOF>'" },
        { """{"type":"object","properties":{"replicas":{"type":"integer"}},"x-kubernetes-validations":[{"rule":"self.replica > 0"}]}""", "compilation failed: ERROR: <input>:1:5: undefined field 'replica'" },
        { """{"type":"object","x-kubernetes-validations":[{"rule":"self.lowerAscii()"}]}""", "undeclared reference to 'lowerAscii'" },
        { """{"type":"object","x-kubernetes-validations":[{"rule":"true","messageExpression":"'x'"}]}""", "messageExpression is not supported" },
        { """{"type":"object","x-kubernetes-validations":[{"rule":"true","reason":"FieldValueBroken"}]}""", "reason: Unsupported value: \"FieldValueBroken\"" },
        { """{"type":"object","properties":{"a":{"type":"string"}},"x-kubernetes-validations":[{"rule":"true","fieldPath":".b"}]}""", "fieldPath: Invalid value: \".b\": does not refer to a valid field" },
        { """{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"}}},"x-kubernetes-validations":[{"rule":"true","fieldPath":".a[0]"}]}""", "numeric list indexes are not supported" },
        { """{"type":"object","x-kubernetes-validations":[{"rule":"true","message":"two\nlines"}]}""", "must not contain line breaks" },
    };

    [Theory]
    [MemberData(nameof(NonStructural))]
    public void A_schema_kube_apiserver_would_refuse_is_rejected_with_a_clear_message(string specSchema, string fragment)
    {
        var parse = () => TestSchemas.WithSpec(specSchema);

        parse.Should().Throw<StructuralSchemaException>().Which.Message.Should().Contain(fragment);
    }

    [Fact]
    public void The_root_must_be_an_object()
    {
        var parse = () => TestSchemas.Parse("""{"type":"string"}""");

        parse.Should().Throw<StructuralSchemaException>().WithMessage("*openAPIV3Schema.type*must be object at the root*");
    }

    [Fact]
    public void Root_metadata_may_only_restrict_name_and_generate_name()
    {
        var allowed = () => TestSchemas.Parse("""{"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":20}}}}}""");
        var refused = () => TestSchemas.Parse("""{"type":"object","properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}}}}""");

        allowed.Should().NotThrow();
        refused.Should().Throw<StructuralSchemaException>().WithMessage("*must not specify anything other than name and generateName*");
    }

    [Fact]
    public void Every_violation_is_reported_not_just_the_first()
    {
        var parse = () => TestSchemas.WithSpec("""{"type":"object","properties":{"a":{},"b":{"type":"array"}}}""");

        parse.Should().Throw<StructuralSchemaException>().Which.Errors.Should().HaveCount(2);
    }

    [Fact]
    public void Int_or_string_preserve_unknown_fields_and_value_only_junctors_are_structural()
    {
        const string spec = """
            {"type":"object","properties":{
              "port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}],"pattern":"^[0-9]+%?$"},
              "wrapped":{"x-kubernetes-int-or-string":true,"allOf":[{"anyOf":[{"type":"integer"},{"type":"string"}]},{"maxLength":4}]},
              "free":{"x-kubernetes-preserve-unknown-fields":true},
              "mode":{"type":"string","oneOf":[{"enum":["a"]},{"enum":["b"]}]}
            }}
            """;

        var schema = TestSchemas.WithSpec(spec);

        schema.Properties["spec"].Properties["port"].IntOrString.Should().BeTrue();
        schema.Properties["spec"].Properties["port"].AnyOf.Should().BeEmpty("the int-or-string anyOf is the type, not a value validation");
        schema.Properties["spec"].Properties["wrapped"].AllOf.Should().ContainSingle().Which.MaxLength.Should().Be(4);
        schema.Properties["spec"].Properties["free"].Type.Should().BeNull();
    }

    [Fact]
    public void Parsed_rules_know_their_message_reason_field_path_and_whether_they_are_transition_rules()
    {
        const string spec = """
            {"type":"object","properties":{"a":{"type":"integer"}},"x-kubernetes-validations":[
              {"rule":"self.a == oldSelf.a","message":"a is immutable","fieldPath":".a","reason":"FieldValueForbidden"},
              {"rule":"self.a >= 0"}]}
            """;

        var rules = TestSchemas.WithSpec(spec).Properties["spec"].Rules;

        rules[0].IsTransitionRule.Should().BeTrue();
        rules[0].FieldPathNames.Should().Equal("a");
        rules[0].Reason.Should().Be(FieldErrorTypes.Forbidden);
        rules[1].IsTransitionRule.Should().BeFalse();
        rules[1].FailureMessage.Should().Be("failed rule: self.a >= 0");
        rules[1].Reason.Should().Be(FieldErrorTypes.Invalid);
    }
}
