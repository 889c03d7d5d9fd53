using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation;

/// <summary>The OpenAPI v3 value validations of a structural schema, with kube-openapi's messages and error types.</summary>
internal static class OpenApiValidator
{
    public static void Validate(StructuralSchema schema, JsonNode? value, string path, List<FieldError> errors)
    {
        if (value is null)
        {
            // Untyped preserve-unknown-fields nodes accept anything, null included.
            if (schema.Nullable || (schema.Type is null && !schema.IntOrString)) return;
            errors.Add(FieldError.TypeInvalid(path, "\"null\"", $"{FieldPaths.InBody(path)} must be of type {ExpectedType(schema)}: \"null\""));
            return;
        }
        if (!TypeMatches(schema, value))
        {
            errors.Add(FieldError.TypeInvalid(path, ValueRenderer.Render(value),
                $"{FieldPaths.InBody(path)} must be of type {ExpectedType(schema)}: {ValueRenderer.Quote(ValueRenderer.JsonTypeName(value))}"));
            return;
        }
        ValidateValue(schema, value, path, errors);
    }

    private static string ExpectedType(StructuralSchema schema) => schema.IntOrString ? "integer,string" : schema.Type ?? "any";

    private static bool TypeMatches(StructuralSchema schema, JsonNode value)
    {
        var kind = value.GetValueKind();
        if (schema.IntOrString) return kind == JsonValueKind.String || (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && JsonNumbers.IsIntegral(v, out _));
        return schema.Type switch
        {
            null => true,
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "number" => kind == JsonValueKind.Number,
            "integer" => value is JsonValue n && kind == JsonValueKind.Number && JsonNumbers.IsIntegral(n, out _),
            _ => false,
        };
    }

    /// <summary>Everything but the type check; also used for the value-only subschemas of logical junctors.</summary>
    private static void ValidateValue(StructuralSchema schema, JsonNode value, string path, List<FieldError> errors)
    {
        if (schema.Enum is { } allowed && !allowed.Any(a => JsonEquality.DeepEquals(a, value)))
            errors.Add(FieldError.NotSupported(path, ValueRenderer.Render(value), allowed.Select(ValueRenderer.EnumText)));

        switch (value)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                ValidateNumber(schema, v, path, errors);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                ValidateString(schema, v.GetValue<string>(), path, errors);
                break;
            case JsonArray array:
                ValidateArray(schema, array, path, errors);
                break;
            case JsonObject obj:
                ValidateObject(schema, obj, path, errors);
                break;
        }
        ValidateJunctors(schema, value, path, errors);
    }

    private static void ValidateNumber(StructuralSchema schema, JsonValue value, string path, List<FieldError> errors)
    {
        var d = JsonNumbers.GetDouble(value);
        var rendered = ValueRenderer.Render(value);
        var at = FieldPaths.InBody(path);
        if (schema.Minimum is { } min && (schema.ExclusiveMinimum ? d <= min : d < min))
        {
            errors.Add(FieldError.Invalid(path, rendered, schema.ExclusiveMinimum
                ? $"{at} should be greater than {ValueRenderer.FormatDouble(min)}"
                : $"{at} should be greater than or equal to {ValueRenderer.FormatDouble(min)}"));
        }
        if (schema.Maximum is { } max && (schema.ExclusiveMaximum ? d >= max : d > max))
        {
            errors.Add(FieldError.Invalid(path, rendered, schema.ExclusiveMaximum
                ? $"{at} should be less than {ValueRenderer.FormatDouble(max)}"
                : $"{at} should be less than or equal to {ValueRenderer.FormatDouble(max)}"));
        }
        if (schema.MultipleOf is { } factor && !IsMultiple(value, d, factor))
            errors.Add(FieldError.Invalid(path, rendered, $"{at} should be a multiple of {ValueRenderer.FormatDouble(factor)}"));
    }

    private static bool IsMultiple(JsonValue value, double d, double factor)
    {
        if (JsonNumbers.TryGetInt64(value, out var l) && Math.Floor(factor) == factor && factor < 9.2e18) return l % (long)factor == 0;
        var quotient = d / factor;
        return Math.Abs(quotient - Math.Round(quotient)) < 1e-9;
    }

    private static void ValidateString(StructuralSchema schema, string s, string path, List<FieldError> errors)
    {
        var at = FieldPaths.InBody(path);
        var length = s.EnumerateRunes().Count(); // kube-openapi counts runes, not bytes or UTF-16 units
        if (schema.MaxLength is { } maxLength && length > maxLength) errors.Add(FieldError.TooLong(path, maxLength));
        if (schema.MinLength is { } minLength && length < minLength)
            errors.Add(FieldError.Invalid(path, ValueRenderer.Quote(s), $"{at} should be at least {minLength} chars long"));
        if (schema.PatternRegex is { } regex && !regex.IsMatch(s))
            errors.Add(FieldError.Invalid(path, ValueRenderer.Quote(s), $"{at} should match '{schema.Pattern}'"));
        if (schema.Format == "date-time" && !DateTimeFormat.IsValid(s))
            errors.Add(FieldError.TypeInvalid(path, ValueRenderer.Quote(s), $"{at} must be of type date-time: {ValueRenderer.Quote(s)}"));
    }

    private static void ValidateArray(StructuralSchema schema, JsonArray array, string path, List<FieldError> errors)
    {
        var at = FieldPaths.InBody(path);
        if (schema.MaxItems is { } maxItems && array.Count > maxItems) errors.Add(FieldError.TooMany(path, array.Count, maxItems));
        if (schema.MinItems is { } minItems && array.Count < minItems)
            errors.Add(FieldError.Invalid(path, ValueRenderer.Render(array), $"{at} should have at least {minItems} items"));
        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++) Validate(items, array[i], FieldPaths.Index(path, i), errors);
        }
        ValidateListType(schema, array, path, errors);
    }

    private static void ValidateListType(StructuralSchema schema, JsonArray array, string path, List<FieldError> errors)
    {
        if (schema.ListType == "map")
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject item) continue;
                var key = SchemaValidator.ListMapKey(item, schema.ListMapKeys);
                if (!seen.Add(key)) errors.Add(FieldError.Duplicate(FieldPaths.Index(path, i), key));
            }
        }
        else if (schema.ListType == "set")
        {
            for (var i = 0; i < array.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (JsonEquality.DeepEquals(array[i], array[j]))
                    {
                        errors.Add(FieldError.Duplicate(FieldPaths.Index(path, i), ValueRenderer.Render(array[i])));
                        break;
                    }
                }
            }
        }
    }

    private static void ValidateObject(StructuralSchema schema, JsonObject obj, string path, List<FieldError> errors)
    {
        var at = FieldPaths.InBody(path);
        if (schema.MaxProperties is { } maxProperties && obj.Count > maxProperties) errors.Add(FieldError.TooMany(path, obj.Count, maxProperties));
        if (schema.MinProperties is { } minProperties && obj.Count < minProperties)
            errors.Add(FieldError.Invalid(path, ValueRenderer.Render(obj), $"{at} should have at least {minProperties.ToString(CultureInfo.InvariantCulture)} properties"));
        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name)) errors.Add(FieldError.Required(FieldPaths.Child(path, name)));
        }
        if (schema.EmbeddedResource)
        {
            foreach (var name in new[] { "apiVersion", "kind" })
            {
                if (!SchemaValidator.IsString(obj[name]) || obj[name]!.GetValue<string>().Length == 0) errors.Add(FieldError.Required(FieldPaths.Child(path, name), "must not be empty"));
            }
        }
        foreach (var (name, child) in obj)
        {
            if ((schema.IsRoot || schema.EmbeddedResource) && name == "metadata") continue; // metadata is validated as ObjectMeta, not by the schema
            if (schema.Properties.TryGetValue(name, out var property)) Validate(property, child, FieldPaths.Child(path, name), errors);
            else if (schema.AdditionalProperties is { } values) Validate(values, child, FieldPaths.Child(path, name), errors);
        }
    }

    private static void ValidateJunctors(StructuralSchema schema, JsonNode value, string path, List<FieldError> errors)
    {
        var at = FieldPaths.InBody(path);
        foreach (var sub in schema.AllOf) ValidateValue(sub, value, path, errors);
        if (schema.AnyOf.Count > 0 && !schema.AnyOf.Any(sub => Passes(sub, value, path)))
            errors.Add(FieldError.Invalid(path, ValueRenderer.Render(value), $"{at} must validate at least one schema (anyOf)"));
        if (schema.OneOf.Count > 0 && schema.OneOf.Count(sub => Passes(sub, value, path)) != 1)
            errors.Add(FieldError.Invalid(path, ValueRenderer.Render(value), $"{at} must validate one and only one schema (oneOf)"));
        if (schema.Not is { } not && Passes(not, value, path))
            errors.Add(FieldError.Invalid(path, ValueRenderer.Render(value), $"{at} must not validate the schema (not)"));
    }

    private static bool Passes(StructuralSchema sub, JsonNode value, string path)
    {
        var errors = new List<FieldError>();
        ValidateValue(sub, value, path, errors);
        return errors.Count == 0;
    }
}
