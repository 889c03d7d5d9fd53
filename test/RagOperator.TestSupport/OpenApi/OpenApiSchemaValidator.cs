using System.Globalization;
using System.Text.Json;

namespace RagOperator.TestSupport.OpenApi;

/// <summary>
/// A small OpenAPI 3.0 schema checker: <c>$ref</c> (into components/schemas), <c>type</c>, <c>nullable</c>,
/// <c>enum</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>items</c>, <c>anyOf</c>,
/// <c>oneOf</c> (exactly one branch), <c>allOf</c>, <c>minimum</c>/<c>maximum</c>, <c>uniqueItems</c>, and the
/// integer/number/string formats the Qdrant spec uses (uint64, uint32, uint, int64, int32, float, double, uuid).
/// <para>
/// Two readings are deliberate: a schema that says nothing but <c>nullable: true</c> (Qdrant's way of writing
/// "or null" inside anyOf) accepts only null; and in <see cref="StrictProperties"/> mode an object property that
/// the schema does not declare is an error even where JSON Schema would allow it, because Qdrant ignores unknown
/// fields silently and a misspelt field would otherwise go unnoticed.
/// </para>
/// </summary>
public sealed class OpenApiSchemaValidator(OpenApiSpec spec, bool strictProperties = true)
{
    private static readonly HashSet<string> Annotations = ["description", "default", "example", "deprecated", "title", "nullable"];

    public bool StrictProperties { get; } = strictProperties;

    public IReadOnlyList<string> Validate(JsonElement instance, JsonElement schema)
    {
        var errors = new List<string>();
        Check(instance, schema, "$", errors, depth: 0);
        return errors;
    }

    private void Check(JsonElement value, JsonElement schema, string path, List<string> errors, int depth)
    {
        if (depth > 64)
        {
            errors.Add($"{path}: schema nesting too deep");
            return;
        }

        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(value, spec.Resolve(reference.GetString()!), path, errors, depth + 1);
            return;
        }

        var nullable = schema.TryGetProperty("nullable", out var n) && n.ValueKind == JsonValueKind.True;
        var onlyNullable = nullable && schema.EnumerateObject().All(property => Annotations.Contains(property.Name));
        if (value.ValueKind == JsonValueKind.Null && nullable)
        {
            return;
        }

        if (onlyNullable)
        {
            errors.Add($"{path}: expected null");
            return;
        }

        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var branch in allOf.EnumerateArray())
            {
                Check(value, branch, path, errors, depth + 1);
            }
        }

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            var branchErrors = BranchErrors(value, anyOf, path, depth);
            if (branchErrors.All(list => list.Count > 0))
            {
                errors.Add($"{path}: matches no anyOf branch ({Summarise(branchErrors)})");
            }
        }

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var branchErrors = BranchErrors(value, oneOf, path, depth);
            var matching = branchErrors.Count(list => list.Count == 0);
            if (matching != 1)
            {
                errors.Add($"{path}: matches {matching} oneOf branches, expected exactly one ({Summarise(branchErrors)})");
            }
        }

        if (schema.TryGetProperty("enum", out var allowed) &&
            !allowed.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        }

        if (schema.TryGetProperty("type", out var type))
        {
            CheckType(value, type.GetString()!, schema, path, errors, depth);
        }
        else if (value.ValueKind == JsonValueKind.Object && (schema.TryGetProperty("properties", out _) || schema.TryGetProperty("required", out _)))
        {
            CheckObject(value, schema, path, errors, depth);
        }
    }

    private List<List<string>> BranchErrors(JsonElement value, JsonElement branches, string path, int depth) =>
        branches.EnumerateArray().Select(branch =>
        {
            var branchErrors = new List<string>();
            Check(value, branch, path, branchErrors, depth + 1);
            return branchErrors;
        }).ToList();

    private static string Summarise(List<List<string>> branchErrors) =>
        string.Join(" | ", branchErrors.Select(list => list.Count == 0 ? "ok" : list[0]));

    private void CheckType(JsonElement value, string type, JsonElement schema, string path, List<string> errors, int depth)
    {
        switch (type)
        {
            case "object":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path}: expected object, got {value.ValueKind}");
                    return;
                }

                CheckObject(value, schema, path, errors, depth);
                return;
            case "array":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    errors.Add($"{path}: expected array, got {value.ValueKind}");
                    return;
                }

                CheckArray(value, schema, path, errors, depth);
                return;
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{path}: expected string, got {value.ValueKind}");
                    return;
                }

                if (Format(schema) == "uuid" && !Guid.TryParse(value.GetString(), out _))
                {
                    errors.Add($"{path}: \"{value.GetString()}\" is not a UUID");
                }

                return;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path}: expected boolean, got {value.ValueKind}");
                }

                return;
            case "integer":
                CheckInteger(value, schema, path, errors);
                return;
            case "number":
                if (value.ValueKind != JsonValueKind.Number)
                {
                    errors.Add($"{path}: expected number, got {value.ValueKind}");
                    return;
                }

                CheckBounds(value.GetDouble(), schema, path, errors);
                return;
            default:
                errors.Add($"{path}: unknown schema type {type}");
                return;
        }
    }

    private void CheckObject(JsonElement value, JsonElement schema, string path, List<string> errors, int depth)
    {
        var declared = schema.TryGetProperty("properties", out var properties) ? properties : (JsonElement?)null;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(item => item.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}: missing required property `{name}`");
                }
            }
        }

        var additional = schema.TryGetProperty("additionalProperties", out var additionalSchema) ? additionalSchema : (JsonElement?)null;
        foreach (var property in value.EnumerateObject())
        {
            var propertyPath = $"{path}.{property.Name}";
            if (declared is { } props && props.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, propertyPath, errors, depth + 1);
            }
            else if (additional is { } extra)
            {
                Check(property.Value, extra, propertyPath, errors, depth + 1);
            }
            else if (declared is not null && StrictProperties)
            {
                errors.Add($"{propertyPath}: property not declared by the schema");
            }
        }
    }

    private void CheckArray(JsonElement value, JsonElement schema, string path, List<string> errors, int depth)
    {
        if (schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, $"{path}[{index++}]", errors, depth + 1);
            }
        }

        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True)
        {
            var texts = value.EnumerateArray().Select(item => item.GetRawText()).ToList();
            if (texts.Distinct(StringComparer.Ordinal).Count() != texts.Count)
            {
                errors.Add($"{path}: items are not unique");
            }
        }
    }

    private static void CheckInteger(JsonElement value, JsonElement schema, string path, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.Number || value.GetRawText().AsSpan().IndexOfAny(".eE") >= 0 ||
            !decimal.TryParse(value.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            errors.Add($"{path}: expected integer, got {value.GetRawText()}");
            return;
        }

        var (min, max) = Format(schema) switch
        {
            "uint64" or "uint" => (0m, ulong.MaxValue),
            "uint32" => (0m, uint.MaxValue),
            "uint16" => (0m, ushort.MaxValue),
            "int64" => (long.MinValue, long.MaxValue),
            "int32" or "int" => (int.MinValue, (decimal)int.MaxValue),
            _ => (decimal.MinValue, decimal.MaxValue),
        };
        if (number < min || number > max)
        {
            errors.Add($"{path}: {number} is out of range for format {Format(schema)}");
        }

        CheckBounds((double)number, schema, path, errors);
    }

    private static void CheckBounds(double number, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
        {
            errors.Add($"{path}: {number} is below the minimum {minimum.GetRawText()}");
        }

        if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
        {
            errors.Add($"{path}: {number} is above the maximum {maximum.GetRawText()}");
        }
    }

    private static string? Format(JsonElement schema) =>
        schema.TryGetProperty("format", out var format) ? format.GetString() : null;
}
