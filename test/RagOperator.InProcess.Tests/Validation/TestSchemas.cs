using System.Text.Json.Nodes;
using RagOperator.InProcess.Validation;

namespace RagOperator.InProcess.Tests.Validation;

/// <summary>Builds schemas and objects for the validation tests from JSON text.</summary>
internal static class TestSchemas
{
    /// <summary>A resource schema whose <c>spec</c> has the given schema.</summary>
    public static StructuralSchema WithSpec(string specSchema) => StructuralSchema.Parse(RootJson(specSchema));

    public static JsonObject RootJson(string specSchema) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["metadata"] = new JsonObject { ["type"] = "object" },
            ["spec"] = JsonNode.Parse(specSchema),
        },
    };

    public static StructuralSchema Parse(string json) => StructuralSchema.Parse(JsonNode.Parse(json)!.AsObject());

    /// <summary>A resource with the given spec (JSON text).</summary>
    public static JsonObject Resource(string spec) => new()
    {
        ["apiVersion"] = "example.io/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = "w" },
        ["spec"] = JsonNode.Parse(spec),
    };

    public static IReadOnlyList<FieldError> ValidateSpec(string specSchema, string spec, string? oldSpec = null) =>
        SchemaValidator.Validate(WithSpec(specSchema), Resource(spec), oldSpec is null ? null : Resource(oldSpec));
}
