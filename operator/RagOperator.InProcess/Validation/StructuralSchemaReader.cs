using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Validation;

/// <summary>Reads an <c>openAPIV3Schema</c> into a <see cref="StructuralSchema"/>, collecting every violation (see its remarks).</summary>
internal static class StructuralSchemaReader
{
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "object", "array", "string", "integer", "number", "boolean" };

    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal) { "title", "example", "externalDocs" };

    private static readonly Dictionary<string, string> Forbidden = new(StringComparer.Ordinal)
    {
        ["$ref"] = "$ref is not supported in CRD schemas",
        ["$schema"] = "$schema is not supported in CRD schemas",
        ["id"] = "id is not supported in CRD schemas",
        ["definitions"] = "definitions are not supported in CRD schemas",
        ["patternProperties"] = "patternProperties are not supported in CRD schemas",
        ["dependencies"] = "dependencies are not supported in CRD schemas",
        ["additionalItems"] = "additionalItems are not supported in CRD schemas",
    };

    // Keywords a logical junctor (allOf/anyOf/oneOf/not) must not carry: they belong to the structural part.
    private static readonly HashSet<string> NotInJunctors = new(StringComparer.Ordinal)
    {
        "type", "default", "nullable", "additionalProperties", "description", "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type", "x-kubernetes-validations",
    };

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "type", "nullable", "format", "description", "default", "enum", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "required", "properties", "additionalProperties", "items", "allOf", "anyOf",
        "oneOf", "not", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
        "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
        "x-kubernetes-validations",
    };

    public static StructuralSchema Read(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        const string rootPath = "openAPIV3Schema";
        var errors = new List<string>();
        var schema = ReadNode(root, rootPath, errors, inJunctor: false, isRoot: true);
        if (schema.Type != "object") errors.Add($"{rootPath}.type: Invalid value: {ValueRenderer.Quote(schema.Type ?? "")}: must be object at the root");
        CheckRootFields(schema, rootPath, errors);
        if (errors.Count == 0) CheckDefaults(schema, rootPath, errors);
        if (errors.Count > 0) throw new StructuralSchemaException(errors);
        return schema;
    }

    private static StructuralSchema ReadNode(JsonObject node, string path, List<string> errors, bool inJunctor, bool isRoot = false)
    {
        var s = new StructuralSchema { IsRoot = isRoot };
        foreach (var (key, _) in node)
        {
            if (Forbidden.TryGetValue(key, out var why)) errors.Add($"{path}.{key}: Forbidden: {why}");
            else if (!Known.Contains(key) && !Ignored.Contains(key)) errors.Add($"{path}.{key}: Forbidden: unknown schema keyword");
            else if (inJunctor && NotInJunctors.Contains(key)) errors.Add($"{path}.{key}: Forbidden: must not be used inside allOf, anyOf, oneOf or not");
        }

        s.IntOrString = Bool(node, "x-kubernetes-int-or-string", path, errors);
        s.PreserveUnknownFields = Bool(node, "x-kubernetes-preserve-unknown-fields", path, errors);
        if (node.ContainsKey("x-kubernetes-preserve-unknown-fields") && !s.PreserveUnknownFields)
            errors.Add($"{path}.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined");
        s.EmbeddedResource = Bool(node, "x-kubernetes-embedded-resource", path, errors);
        s.Nullable = Bool(node, "nullable", path, errors);
        s.Type = String(node, "type", path, errors);
        if (s.Type is not null && !Types.Contains(s.Type))
            errors.Add($"{path}.type: Unsupported value: {ValueRenderer.Quote(s.Type)}: supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"");
        s.Format = String(node, "format", path, errors);
        s.Description = String(node, "description", path, errors);
        if (node.TryGetPropertyValue("default", out var defaultValue) && defaultValue is not null) s.Default = defaultValue.DeepClone();
        if (node["enum"] is { } enumNode)
        {
            if (enumNode is JsonArray values && values.Count > 0) s.Enum = values.Select(v => v?.DeepClone()).ToList();
            else errors.Add($"{path}.enum: Invalid value: must be a non-empty list");
        }

        s.Minimum = Number(node, "minimum", path, errors);
        s.Maximum = Number(node, "maximum", path, errors);
        s.ExclusiveMinimum = Bool(node, "exclusiveMinimum", path, errors);
        s.ExclusiveMaximum = Bool(node, "exclusiveMaximum", path, errors);
        s.MultipleOf = Number(node, "multipleOf", path, errors);
        if (s.MultipleOf is <= 0) errors.Add($"{path}.multipleOf: Invalid value: must be greater than zero");
        s.MinLength = Count(node, "minLength", path, errors);
        s.MaxLength = Count(node, "maxLength", path, errors);
        s.MinItems = Count(node, "minItems", path, errors);
        s.MaxItems = Count(node, "maxItems", path, errors);
        s.MinProperties = Count(node, "minProperties", path, errors);
        s.MaxProperties = Count(node, "maxProperties", path, errors);
        if (Bool(node, "uniqueItems", path, errors))
            errors.Add($"{path}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
        s.Pattern = String(node, "pattern", path, errors);
        if (s.Pattern is not null)
        {
            try
            {
                s.PatternRegex = new Regex(s.Pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                errors.Add($"{path}.pattern: Invalid value: {ValueRenderer.Quote(s.Pattern)}: {e.Message}");
            }
        }
        if (node["required"] is { } requiredNode)
        {
            if (requiredNode is JsonArray required && required.All(SchemaValidator.IsString)) s.Required = required.Select(r => r!.GetValue<string>()).ToList();
            else errors.Add($"{path}.required: Invalid value: must be a list of strings");
        }

        ReadChildren(s, node, path, errors, inJunctor);
        ReadJunctors(s, node, path, errors);
        ReadListAndMapTypes(s, node, path, errors);
        if (!inJunctor) CheckStructure(s, node, path, errors);
        if (node["x-kubernetes-validations"] is { } rules) ReadRules(s, rules, path, errors);
        return s;
    }

    private static void ReadChildren(StructuralSchema s, JsonObject node, string path, List<string> errors, bool inJunctor)
    {
        if (node["properties"] is { } propertiesNode)
        {
            if (propertiesNode is JsonObject properties)
            {
                var result = new Dictionary<string, StructuralSchema>(StringComparer.Ordinal);
                foreach (var (name, child) in properties)
                {
                    var childPath = $"{path}.properties[{name}]";
                    if (child is JsonObject childObject) result[name] = ReadNode(childObject, childPath, errors, inJunctor);
                    else errors.Add($"{childPath}: Invalid value: must be a schema object");
                }
                s.Properties = result;
            }
            else
            {
                errors.Add($"{path}.properties: Invalid value: must be an object of schemas");
            }
        }
        switch (node["additionalProperties"])
        {
            case null:
                break;
            case JsonObject additional:
                s.AdditionalProperties = ReadNode(additional, $"{path}.additionalProperties", errors, inJunctor);
                break;
            default:
                errors.Add($"{path}.additionalProperties: Forbidden: must be a schema; boolean additionalProperties are not supported (use x-kubernetes-preserve-unknown-fields)");
                break;
        }
        switch (node["items"])
        {
            case null:
                break;
            case JsonObject items:
                s.Items = ReadNode(items, $"{path}.items", errors, inJunctor);
                break;
            default:
                errors.Add($"{path}.items: Forbidden: items must be a single schema, not a list");
                break;
        }
    }

    private static void ReadJunctors(StructuralSchema s, JsonObject node, string path, List<string> errors)
    {
        s.AllOf = JunctorList(node, "allOf", s, path, errors);
        s.AnyOf = JunctorList(node, "anyOf", s, path, errors);
        s.OneOf = JunctorList(node, "oneOf", s, path, errors);
        if (node["not"] is { } notNode)
        {
            if (notNode is JsonObject not)
            {
                s.Not = ReadNode(not, $"{path}.not", errors, inJunctor: true);
                CheckJunctorFields(s, s.Not, $"{path}.not", errors);
            }
            else
            {
                errors.Add($"{path}.not: Invalid value: must be a schema object");
            }
        }
    }

    private static List<StructuralSchema> JunctorList(JsonObject node, string key, StructuralSchema outer, string path, List<string> errors)
    {
        if (node[key] is not { } value) return [];
        if (value is not JsonArray list)
        {
            errors.Add($"{path}.{key}: Invalid value: must be a list of schemas");
            return [];
        }
        // The two int-or-string spellings are the only junctors allowed to carry types; the flag covers them.
        if (outer.IntOrString && key == "anyOf" && IsIntOrStringAnyOf(list)) return [];
        if (outer.IntOrString && key == "allOf" && list.Count > 0 && list[0] is JsonObject first && first.Count == 1 && first["anyOf"] is JsonArray inner && IsIntOrStringAnyOf(inner))
            list = new JsonArray(list.Skip(1).Select(n => n?.DeepClone()).ToArray());
        var result = new List<StructuralSchema>();
        for (var i = 0; i < list.Count; i++)
        {
            var itemPath = $"{path}.{key}[{i}]";
            if (list[i] is not JsonObject sub)
            {
                errors.Add($"{itemPath}: Invalid value: must be a schema object");
                continue;
            }
            var parsed = ReadNode(sub, itemPath, errors, inJunctor: true);
            CheckJunctorFields(outer, parsed, itemPath, errors);
            result.Add(parsed);
        }
        return result;
    }

    private static bool IsIntOrStringAnyOf(JsonArray list) =>
        list.Count == 2
        && list[0] is JsonObject a && a.Count == 1 && a["type"]?.GetValue<string>() == "integer"
        && list[1] is JsonObject b && b.Count == 1 && b["type"]?.GetValue<string>() == "string";

    /// <summary>Every field and item a junctor talks about must also be specified outside the junctors.</summary>
    private static void CheckJunctorFields(StructuralSchema outer, StructuralSchema junctor, string path, List<string> errors)
    {
        foreach (var (name, property) in junctor.Properties)
        {
            var structural = outer.Properties.TryGetValue(name, out var p) ? p : outer.AdditionalProperties;
            if (structural is null && !outer.PreserveUnknownFields)
                errors.Add($"{path}.properties[{name}]: Required value: must be specified in the structural part of the schema, outside allOf, anyOf, oneOf and not");
            else if (structural is not null) CheckJunctorFields(structural, property, $"{path}.properties[{name}]", errors);
        }
        if (junctor.Items is not null)
        {
            if (outer.Items is null) errors.Add($"{path}.items: Required value: must be specified in the structural part of the schema, outside allOf, anyOf, oneOf and not");
            else CheckJunctorFields(outer.Items, junctor.Items, $"{path}.items", errors);
        }
    }

    private static void ReadListAndMapTypes(StructuralSchema s, JsonObject node, string path, List<string> errors)
    {
        s.ListType = String(node, "x-kubernetes-list-type", path, errors);
        s.MapType = String(node, "x-kubernetes-map-type", path, errors);
        if (node["x-kubernetes-list-map-keys"] is { } keysNode)
        {
            if (keysNode is JsonArray keys && keys.Count > 0 && keys.All(SchemaValidator.IsString)) s.ListMapKeys = keys.Select(k => k!.GetValue<string>()).ToList();
            else errors.Add($"{path}.x-kubernetes-list-map-keys: Invalid value: must be a non-empty list of field names");
        }
        if (s.ListType is not null and not ("atomic" or "set" or "map"))
            errors.Add($"{path}.x-kubernetes-list-type: Unsupported value: {ValueRenderer.Quote(s.ListType)}: supported values: \"atomic\", \"set\", \"map\"");
        if (s.ListType is not null && s.Type != "array")
            errors.Add($"{path}.x-kubernetes-list-type: Invalid value: must only be used with type array");
        if (s.ListMapKeys.Count > 0 && s.ListType != "map")
            errors.Add($"{path}.x-kubernetes-list-map-keys: Forbidden: requires x-kubernetes-list-type: map");
        if (s.MapType is not null and not ("granular" or "atomic"))
            errors.Add($"{path}.x-kubernetes-map-type: Unsupported value: {ValueRenderer.Quote(s.MapType)}: supported values: \"granular\", \"atomic\"");
        if (s.MapType is not null && s.Type != "object")
            errors.Add($"{path}.x-kubernetes-map-type: Invalid value: must only be used with type object");

        if (s.ListType == "map")
        {
            if (s.Items is not { Type: "object" } items)
            {
                errors.Add($"{path}.items: Invalid value: x-kubernetes-list-type map requires items of type object");
                return;
            }
            if (s.ListMapKeys.Count == 0) errors.Add($"{path}.x-kubernetes-list-map-keys: Required value: x-kubernetes-list-type map requires keys");
            foreach (var key in s.ListMapKeys)
            {
                if (!items.Properties.TryGetValue(key, out var keySchema))
                    errors.Add($"{path}.x-kubernetes-list-map-keys: Invalid value: {ValueRenderer.Quote(key)}: is not a property of the items");
                else if (keySchema.Type is not ("string" or "integer" or "number" or "boolean"))
                    errors.Add($"{path}.items.properties[{key}].type: Invalid value: list map keys must be scalars");
                else if (!items.Required.Contains(key) && !keySchema.HasDefault)
                    errors.Add($"{path}.items.properties[{key}]: Required value: list map keys must be required or have a default");
            }
        }
        else if (s.ListType == "set" && s.Items is { } setItems && setItems.Type is "object" or "array" && setItems.MapType != "atomic")
        {
            errors.Add($"{path}.items.type: Invalid value: x-kubernetes-list-type set requires scalar (or atomic) items");
        }
    }

    private static void CheckStructure(StructuralSchema s, JsonObject node, string path, List<string> errors)
    {
        if (s.Type is null && !s.IntOrString && !s.PreserveUnknownFields)
            errors.Add($"{path}.type: Required value: must not be empty for specified fields");
        if (s.IntOrString && s.Type is not null)
            errors.Add($"{path}.type: Invalid value: {ValueRenderer.Quote(s.Type)}: must be empty to be structural when x-kubernetes-int-or-string is true");
        if (node.ContainsKey("properties") && node.ContainsKey("additionalProperties"))
            errors.Add($"{path}.additionalProperties: Forbidden: additionalProperties and properties are mutually exclusive");
        if ((node.ContainsKey("properties") || node.ContainsKey("additionalProperties")) && s.Type is not (null or "object"))
            errors.Add($"{path}.properties: Forbidden: properties and additionalProperties need type object");
        if (s.Items is not null && s.Type is not (null or "array"))
            errors.Add($"{path}.items: Forbidden: items needs type array");
        if (s.Type == "array" && s.Items is null)
            errors.Add($"{path}.items: Required value: must be specified for type array");
        if (s.EmbeddedResource && (s.Type != "object" || (s.Properties.Count == 0 && !s.PreserveUnknownFields)))
            errors.Add($"{path}.x-kubernetes-embedded-resource: Invalid value: needs type object and properties or x-kubernetes-preserve-unknown-fields");
    }

    private static void ReadRules(StructuralSchema s, JsonNode rulesNode, string path, List<string> errors)
    {
        if (rulesNode is not JsonArray list)
        {
            errors.Add($"{path}.x-kubernetes-validations: Invalid value: must be a list of rules");
            return;
        }
        var rules = new List<ValidationRule>();
        for (var i = 0; i < list.Count; i++)
        {
            var rule = ValidationRule.Read(list[i], s, $"{path}.x-kubernetes-validations[{i}]", errors);
            if (rule is not null) rules.Add(rule);
        }
        s.Rules = rules;
    }

    private static void CheckRootFields(StructuralSchema root, string path, List<string> errors)
    {
        foreach (var name in new[] { "apiVersion", "kind" })
        {
            if (!root.Properties.TryGetValue(name, out var field)) continue;
            if (field.Type != "string") errors.Add($"{path}.properties[{name}].type: Invalid value: must be string");
            if (field.HasDefault) errors.Add($"{path}.properties[{name}].default: Forbidden: must not be set");
        }
        if (!root.Properties.TryGetValue("metadata", out var metadata)) return;
        var metadataPath = $"{path}.properties[metadata]";
        if (metadata.Type != "object") errors.Add($"{metadataPath}.type: Invalid value: must be object");
        if (metadata.HasDefault || metadata.Rules.Count > 0 || metadata.AdditionalProperties is not null || metadata.PreserveUnknownFields
            || metadata.Properties.Keys.Any(k => k is not ("name" or "generateName")))
            errors.Add($"{metadataPath}: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified");
        foreach (var (name, field) in metadata.Properties)
        {
            if (field.Type != "string" || field.HasDefault)
                errors.Add($"{metadataPath}.properties[{name}]: Forbidden: only a string type with value validations is allowed");
        }
    }

    /// <summary>kube-apiserver accepts a default only when it, defaulted in turn, is pruned-clean and valid (CEL included).</summary>
    private static void CheckDefaults(StructuralSchema s, string path, List<string> errors)
    {
        if (s.Default is not null)
        {
            var defaulted = s.Default.DeepClone();
            SchemaDefaulter.ApplyDefaults(s, defaulted);
            var pruned = defaulted.DeepClone();
            SchemaPruner.PruneValue(s, pruned);
            if (!JsonEquality.DeepEquals(pruned, defaulted))
                errors.Add($"{path}.default: Invalid value: {ValueRenderer.Render(s.Default)}: must not have unknown fields");
            foreach (var problem in SchemaValidator.ValidateValue(s, defaulted, "default"))
                errors.Add($"{path}.{problem.Field}: {problem.Message}");
        }
        foreach (var (name, property) in s.Properties) CheckDefaults(property, $"{path}.properties[{name}]", errors);
        if (s.AdditionalProperties is { } values) CheckDefaults(values, $"{path}.additionalProperties", errors);
        if (s.Items is { } items) CheckDefaults(items, $"{path}.items", errors);
    }

    private static bool Bool(JsonObject node, string key, string path, List<string> errors)
    {
        switch (node[key])
        {
            case null: return false;
            case JsonValue v when v.GetValueKind() is JsonValueKind.True: return true;
            case JsonValue v when v.GetValueKind() is JsonValueKind.False: return false;
            default:
                errors.Add($"{path}.{key}: Invalid value: must be a boolean");
                return false;
        }
    }

    private static string? String(JsonObject node, string key, string path, List<string> errors)
    {
        switch (node[key])
        {
            case null: return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String: return v.GetValue<string>();
            default:
                errors.Add($"{path}.{key}: Invalid value: must be a string");
                return null;
        }
    }

    private static double? Number(JsonObject node, string key, string path, List<string> errors)
    {
        switch (node[key])
        {
            case null: return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number: return JsonNumbers.GetDouble(v);
            default:
                errors.Add($"{path}.{key}: Invalid value: must be a number");
                return null;
        }
    }

    private static long? Count(JsonObject node, string key, string path, List<string> errors)
    {
        switch (node[key])
        {
            case null: return null;
            case JsonValue v when JsonNumbers.IsNumber(v) && JsonNumbers.TryGetInt64(v, out var n) && n >= 0: return n;
            default:
                errors.Add($"{path}.{key}: Invalid value: must be a non-negative integer");
                return null;
        }
    }
}
