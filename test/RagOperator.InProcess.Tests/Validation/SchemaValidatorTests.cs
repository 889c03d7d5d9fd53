using FluentAssertions;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.InProcess.Tests.Validation;

public sealed class SchemaValidatorTests
{
    private const string Blocked = "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

    public static TheoryData<string, string, string> Violations => new()
    {
        // schema of spec.x, spec, the expected "field: message" cause
        { """{"type":"integer"}""", """{"x":"a"}""", "spec.x: Invalid value: \"a\": spec.x in body must be of type integer: \"string\"" },
        { """{"type":"integer"}""", """{"x":1.5}""", "spec.x: Invalid value: 1.5: spec.x in body must be of type integer: \"number\"" },
        { """{"type":"number"}""", """{"x":true}""", "spec.x: Invalid value: true: spec.x in body must be of type number: \"boolean\"" },
        { """{"type":"string"}""", """{"x":5}""", "spec.x: Invalid value: 5: spec.x in body must be of type string: \"integer\"" },
        { """{"type":"boolean"}""", """{"x":"true"}""", "spec.x: Invalid value: \"true\": spec.x in body must be of type boolean: \"string\"" },
        { """{"type":"object"}""", """{"x":[]}""", "spec.x: Invalid value: []: spec.x in body must be of type object: \"array\"" },
        { """{"type":"array","items":{"type":"string"}}""", """{"x":{}}""", "spec.x: Invalid value: {}: spec.x in body must be of type array: \"object\"" },
        { """{"type":"string"}""", """{"x":null}""", "spec.x: Invalid value: \"null\": spec.x in body must be of type string: \"null\"" },
        { """{"x-kubernetes-int-or-string":true}""", """{"x":true}""", "spec.x: Invalid value: true: spec.x in body must be of type integer,string: \"boolean\"" },
        { """{"type":"integer","minimum":1}""", """{"x":0}""", "spec.x: Invalid value: 0: spec.x in body should be greater than or equal to 1" },
        { """{"type":"integer","minimum":1,"exclusiveMinimum":true}""", """{"x":1}""", "spec.x: Invalid value: 1: spec.x in body should be greater than 1" },
        { """{"type":"integer","maximum":9}""", """{"x":10}""", "spec.x: Invalid value: 10: spec.x in body should be less than or equal to 9" },
        { """{"type":"number","maximum":1,"exclusiveMaximum":true}""", """{"x":1.0}""", "spec.x: Invalid value: 1: spec.x in body should be less than 1" },
        { """{"type":"number","minimum":0.5}""", """{"x":0.25}""", "spec.x: Invalid value: 0.25: spec.x in body should be greater than or equal to 0.5" },
        { """{"type":"integer","multipleOf":4}""", """{"x":10}""", "spec.x: Invalid value: 10: spec.x in body should be a multiple of 4" },
        { """{"type":"string","minLength":2}""", """{"x":"a"}""", "spec.x: Invalid value: \"a\": spec.x in body should be at least 2 chars long" },
        { """{"type":"string","maxLength":3}""", """{"x":"abcd"}""", "spec.x: Too long: may not be more than 3 bytes" },
        { """{"type":"string","pattern":"^v[0-9]+$"}""", """{"x":"1"}""", "spec.x: Invalid value: \"1\": spec.x in body should match '^v[0-9]+$'" },
        { """{"type":"string","enum":["Cosine","Dot"]}""", """{"x":"Hamming"}""", "spec.x: Unsupported value: \"Hamming\": supported values: \"Cosine\", \"Dot\"" },
        { """{"type":"integer","enum":[1,2]}""", """{"x":3}""", "spec.x: Unsupported value: 3: supported values: \"1\", \"2\"" },
        { """{"type":"string","format":"date-time"}""", """{"x":"yesterday"}""", "spec.x: Invalid value: \"yesterday\": spec.x in body must be of type date-time: \"yesterday\"" },
        { """{"type":"string","format":"date-time"}""", """{"x":"2024-02-30T10:00:00Z"}""", "spec.x: Invalid value: \"2024-02-30T10:00:00Z\": spec.x in body must be of type date-time: \"2024-02-30T10:00:00Z\"" },
        { """{"type":"array","items":{"type":"string"},"minItems":1}""", """{"x":[]}""", "spec.x: Invalid value: []: spec.x in body should have at least 1 items" },
        { """{"type":"array","items":{"type":"string"},"maxItems":1}""", """{"x":["a","b"]}""", "spec.x: Too many: 2: must have at most 1 items" },
        { """{"type":"array","items":{"type":"integer","minimum":0}}""", """{"x":[1,-1]}""", "spec.x[1]: Invalid value: -1: spec.x[1] in body should be greater than or equal to 0" },
        { """{"type":"object","additionalProperties":{"type":"string"}}""", """{"x":{"zone":1}}""", "spec.x.zone: Invalid value: 1: spec.x.zone in body must be of type string: \"integer\"" },
        { """{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""", """{"x":{}}""", "spec.x.a: Required value" },
        { """{"type":"object","additionalProperties":{"type":"string"},"maxProperties":1}""", """{"x":{"a":"1","b":"2"}}""", "spec.x: Too many: 2: must have at most 1 items" },
        { """{"type":"object","additionalProperties":{"type":"string"},"minProperties":1}""", """{"x":{}}""", "spec.x: Invalid value: {}: spec.x in body should have at least 1 properties" },
        { """{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["type"],"items":{"type":"object","required":["type"],"properties":{"type":{"type":"string"},"v":{"type":"integer"}}}}""",
          """{"x":[{"type":"Ready","v":1},{"type":"Ready","v":2}]}""", "spec.x[1]: Duplicate value: {\"type\":\"Ready\"}" },
        { """{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}""", """{"x":["a","b","a"]}""", "spec.x[2]: Duplicate value: \"a\"" },
        { """{"type":"string","anyOf":[{"pattern":"^a"},{"pattern":"^b"}]}""", """{"x":"c"}""", "spec.x: Invalid value: \"c\": spec.x in body must validate at least one schema (anyOf)" },
        { """{"type":"string","oneOf":[{"pattern":"^a"},{"pattern":"b$"}]}""", """{"x":"ab"}""", "spec.x: Invalid value: \"ab\": spec.x in body must validate one and only one schema (oneOf)" },
        { """{"type":"string","not":{"enum":["forbidden"]}}""", """{"x":"forbidden"}""", "spec.x: Invalid value: \"forbidden\": spec.x in body must not validate the schema (not)" },
        { """{"type":"integer","allOf":[{"minimum":5}]}""", """{"x":3}""", "spec.x: Invalid value: 3: spec.x in body should be greater than or equal to 5" },
    };

    private static string WithField(string fieldSchema) => """{"type":"object","properties":{"x":""" + fieldSchema + "}}";

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_keyword_rejects_a_violating_value_with_the_kube_apiserver_message(string fieldSchema, string spec, string expected)
    {
        var errors = TestSchemas.ValidateSpec(WithField(fieldSchema), spec);

        errors.Select(e => e.ToString()).Where(e => e != Blocked).Should().Equal(expected);
    }

    public static TheoryData<string, string> Conformances => new()
    {
        { """{"type":"integer"}""", """{"x":1.0}""" },
        { """{"type":"integer","minimum":1,"maximum":9}""", """{"x":9}""" },
        { """{"type":"number"}""", """{"x":3}""" },
        { """{"type":"string","nullable":true}""", """{"x":null}""" },
        { """{"x-kubernetes-int-or-string":true}""", """{"x":"50%"}""" },
        { """{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]}""", """{"x":3}""" },
        { """{"x-kubernetes-preserve-unknown-fields":true}""", """{"x":{"anything":[1,"two",null]}}""" },
        { """{"type":"string","maxLength":2}""", """{"x":"ü✓"}""" },
        { """{"type":"string","pattern":"b"}""", """{"x":"abc"}""" },
        { """{"type":"string","format":"date-time"}""", """{"x":"2024-02-29T10:00:00.123+02:00"}""" },
        { """{"type":"string","format":"date-time"}""", """{"x":"2024-02-29 10:00:00Z"}""" },
        { """{"type":"string","format":"hostname"}""", """{"x":"not checked"}""" },
        { """{"type":"integer","enum":[1,2]}""", """{"x":2.0}""" },
        { """{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["type"],"items":{"type":"object","required":["type"],"properties":{"type":{"type":"string"}}}}""",
          """{"x":[{"type":"Ready"},{"type":"Synced"}]}""" },
        { """{"type":"string","anyOf":[{"pattern":"^a"},{"pattern":"^b"}]}""", """{"x":"b"}""" },
    };

    [Theory]
    [MemberData(nameof(Conformances))]
    public void A_conforming_value_has_no_errors(string fieldSchema, string spec)
    {
        TestSchemas.ValidateSpec(WithField(fieldSchema), spec).Should().BeEmpty();
    }

    [Fact]
    public void A_missing_required_field_names_the_field_and_carries_the_required_reason()
    {
        var errors = TestSchemas.ValidateSpec("""{"type":"object","required":["dimension"],"properties":{"dimension":{"type":"integer"}}}""", "{}");

        errors[0].Should().Be(new FieldError("spec.dimension", FieldErrorTypes.Required, "Required value", null));
    }

    [Fact]
    public void Field_errors_carry_the_cause_reason_and_the_rendered_bad_value()
    {
        var errors = TestSchemas.ValidateSpec("""{"type":"object","properties":{"d":{"type":"string","enum":["Cosine"]},"n":{"type":"integer","minimum":1}}}""",
            """{"d":"Hamming","n":0}""");

        errors.Should().Contain(new FieldError("spec.d", FieldErrorTypes.NotSupported, "Unsupported value: \"Hamming\": supported values: \"Cosine\"", "\"Hamming\""));
        errors.Should().Contain(new FieldError("spec.n", FieldErrorTypes.Invalid, "Invalid value: 0: spec.n in body should be greater than or equal to 1", "0"));
    }

    [Fact]
    public void A_blocking_schema_error_skips_the_cel_rules_and_says_so()
    {
        const string schema = """
            {"type":"object","properties":{"d":{"type":"string","enum":["Cosine"]},"n":{"type":"integer"}},
             "x-kubernetes-validations":[{"rule":"self.n > 5","message":"n must exceed 5"}]}
            """;

        var errors = TestSchemas.ValidateSpec(schema, """{"d":"Hamming","n":1}""");

        errors.Select(e => e.ToString()).Should().Equal(
            "spec.d: Unsupported value: \"Hamming\": supported values: \"Cosine\"",
            Blocked);
    }

    [Fact]
    public void A_bounds_error_is_not_blocking_so_the_cel_rules_still_run()
    {
        const string schema = """
            {"type":"object","properties":{"n":{"type":"integer","minimum":2}},
             "x-kubernetes-validations":[{"rule":"self.n > 5","message":"n must exceed 5"}]}
            """;

        var errors = TestSchemas.ValidateSpec(schema, """{"n":1}""");

        errors.Select(e => e.ToString()).Should().Equal(
            "spec.n: Invalid value: 1: spec.n in body should be greater than or equal to 2",
            "spec: Invalid value: \"object\": n must exceed 5");
    }

    [Fact]
    public void Unknown_fields_are_not_validation_errors_because_pruning_removes_them()
    {
        TestSchemas.ValidateSpec("""{"type":"object","properties":{"a":{"type":"string"}}}""", """{"b":1}""").Should().BeEmpty();
    }

    [Fact]
    public void Root_metadata_is_left_to_object_meta_validation()
    {
        var schema = TestSchemas.WithSpec("""{"type":"object"}""");
        var obj = TestSchemas.Resource("{}");
        obj["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "w", ["labels"] = new System.Text.Json.Nodes.JsonObject { ["a"] = "b" } };

        SchemaValidator.Validate(schema, obj, null).Should().BeEmpty();
    }

    [Theory]
    [InlineData("collection-a", null)]
    [InlineData("a.b-c", null)]
    [InlineData("Upper", "metadata.name: Invalid value: \"Upper\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    [InlineData("", "metadata.name: Required value: name or generateName is required")]
    public void Metadata_name_must_be_a_dns_subdomain(string name, string? expected)
    {
        var obj = TestSchemas.Resource("{}");
        obj["metadata"]!["name"] = name;

        var errors = SchemaValidator.ValidateMetadataName(obj).Select(e => e.ToString());

        if (expected is null) errors.Should().BeEmpty();
        else errors.Should().Equal(expected);
    }

    [Fact]
    public void Several_errors_aggregate_into_the_invalid_status_message()
    {
        var errors = TestSchemas.ValidateSpec("""{"type":"object","properties":{"a":{"type":"integer","minimum":1},"b":{"type":"integer","maximum":2}}}""", """{"a":0,"b":3}""");

        FieldError.FormatInvalid("Widget.example.io", "w", errors).Should().Be(
            "Widget.example.io \"w\" is invalid: [spec.a: Invalid value: 0: spec.a in body should be greater than or equal to 1, spec.b: Invalid value: 3: spec.b in body should be less than or equal to 2]");
    }
}
