using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.Schema;

/// <summary>
/// Builds apiextensions.k8s.io/v1 CustomResourceDefinitions from the C# API types, so the types are the one
/// source of truth. Defaults come from the property initializers (the same values a client deserializing a
/// manifest gets), bounds and patterns from DataAnnotations, CEL rules from <see cref="CelRuleAttribute"/>.
/// </summary>
public static class CrdGenerator
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static JsonObject Generate(Type entityType)
    {
        var entity = entityType.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{entityType.Name} has no [KubernetesEntity] attribute", nameof(entityType));

        var root = new JsonObject
        {
            ["type"] = "object",
            ["description"] = Describe(entityType) ?? entity.Kind,
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = "APIVersion defines the versioned schema of this representation of an object." },
                ["kind"] = new JsonObject { ["type"] = "string", ["description"] = "Kind is a string value representing the REST resource this object represents." },
                ["metadata"] = new JsonObject { ["type"] = "object" },
            },
        };
        var properties = root["properties"]!.AsObject();
        var required = new JsonArray();
        foreach (var property in entityType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is "Spec" or "Status")
            {
                var inStatus = property.Name == "Status";
                var schema = PropertySchema(property, parent: null, inStatus);
                properties[JsonName(property)] = schema;
                if (property.GetCustomAttribute<RequiredAttribute>() is not null) required.Add(JsonName(property));
            }
        }
        if (required.Count > 0) root["required"] = required;
        AddCelRules(root, entityType.GetCustomAttributes<CelRuleAttribute>());

        var columns = new JsonArray();
        foreach (var column in entityType.GetCustomAttributes<PrinterColumnAttribute>())
        {
            var c = new JsonObject { ["name"] = column.Name, ["type"] = column.Type, ["jsonPath"] = column.JsonPath };
            if (column.Description is not null) c["description"] = column.Description;
            if (column.Priority != 0) c["priority"] = column.Priority;
            columns.Add(c);
        }

        var singular = entity.Kind.ToLowerInvariant();
        var names = new JsonObject
        {
            ["kind"] = entity.Kind,
            ["listKind"] = entity.Kind + "List",
            ["plural"] = entity.Plural,
            ["singular"] = singular,
        };
        if (entity.ShortNames.Length > 0) names["shortNames"] = new JsonArray(entity.ShortNames.Select(s => (JsonNode)s).ToArray());
        if (entity.Categories.Length > 0) names["categories"] = new JsonArray(entity.Categories.Select(s => (JsonNode)s).ToArray());

        var version = new JsonObject
        {
            ["name"] = entity.Version,
            ["served"] = true,
            ["storage"] = true,
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = root },
            ["subresources"] = Subresources(entityType.GetCustomAttribute<ScaleSubresourceAttribute>()),
            ["additionalPrinterColumns"] = columns,
        };

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{entity.Plural}.{entity.Group}",
                ["labels"] = new JsonObject { ["app.kubernetes.io/part-of"] = "rag-operator" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = names,
                ["scope"] = entity.Namespaced ? "Namespaced" : "Cluster",
                ["versions"] = new JsonArray(version),
            },
        };
    }

    private static JsonObject PropertySchema(PropertyInfo property, object? parent, bool inStatus)
    {
        var schema = TypeSchema(property.PropertyType, property, inStatus);
        var description = Describe(property);
        if (description is not null) schema.Insert(0, "description", description);

        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema["minimum"] = JsonValue.Create(range.Minimum is double dmin ? dmin : Convert.ToInt64(range.Minimum, CultureInfo.InvariantCulture));
            schema["maximum"] = JsonValue.Create(range.Maximum is double dmax ? dmax : Convert.ToInt64(range.Maximum, CultureInfo.InvariantCulture));
        }
        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength) schema["minLength"] = minLength.Length;
        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength) schema[schema["type"]?.GetValue<string>() == "array" ? "maxItems" : "maxLength"] = maxLength.Length;
        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern) schema["pattern"] = pattern.Pattern;
        if (property.GetCustomAttribute<ListMapKeysAttribute>() is { } keys)
        {
            schema["x-kubernetes-list-type"] = "map";
            schema["x-kubernetes-list-map-keys"] = new JsonArray(keys.Keys.Select(k => (JsonNode)k).ToArray());
        }

        if (!inStatus && parent is not null && property.GetCustomAttribute<RequiredAttribute>() is null
            && property.GetCustomAttribute<NoDefaultAttribute>() is null)
        {
            var value = property.GetValue(parent);
            var defaultNode = DefaultNode(value);
            if (defaultNode is not null) schema["default"] = defaultNode;
        }

        AddCelRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    private static JsonNode? DefaultNode(object? value) => value switch
    {
        null => null,
        bool b => b ? JsonValue.Create(true) : null, // false is the zero value: no default needed, and no drift.
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        Enum e => JsonValue.Create(EnumName(e.GetType(), e)),
        IEnumerable => null,
        _ when value.GetType().IsClass => new JsonObject(),
        _ => null,
    };

    private static JsonObject TypeSchema(Type type, PropertyInfo? property, bool inStatus)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (property?.GetCustomAttribute<IntOrStringAttribute>() is not null)
            return new JsonObject { ["x-kubernetes-int-or-string"] = true, ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }) };
        if (underlying == typeof(string)) return new JsonObject { ["type"] = "string" };
        if (underlying == typeof(bool)) return new JsonObject { ["type"] = "boolean" };
        if (underlying == typeof(int)) return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        if (underlying == typeof(long)) return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        if (underlying == typeof(double)) return new JsonObject { ["type"] = "number" };
        if (underlying == typeof(DateTimeOffset)) return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying).Cast<Enum>().Select(v => (JsonNode)EnumName(underlying, v)).ToArray();
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(values) };
        }
        if (underlying == typeof(JsonObject))
            return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IDictionary<,>))
        {
            var valueType = underlying.GetGenericArguments()[1];
            var valueSchema = property?.DeclaringType == typeof(ResourceRequirements)
                ? new JsonObject { ["x-kubernetes-int-or-string"] = true, ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }), ["pattern"] = QuantityPattern }
                : TypeSchema(valueType, null, inStatus);
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = valueSchema };
        }
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IList<>))
        {
            var itemType = underlying.GetGenericArguments()[0];
            var items = TypeSchema(itemType, null, inStatus);
            return new JsonObject { ["type"] = "array", ["items"] = items };
        }
        if (underlying.IsClass)
        {
            return ObjectSchema(underlying, inStatus);
        }
        throw new NotSupportedException($"No schema mapping for {underlying.FullName}");
    }

    private const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    private static JsonObject ObjectSchema(Type type, bool inStatus)
    {
        var instance = type.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(type) : null;
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always }) continue;
            var name = JsonName(property);
            var isRequired = property.GetCustomAttribute<RequiredAttribute>() is not null
                || (type == typeof(Condition) && name is "type" or "status" or "reason" or "message")
                || (type == typeof(SecretKeySelector) && name is "name" or "key")
                || (type == typeof(LocalObjectReference) && name == "name")
                || (type == typeof(LabelSelectorRequirement) && name is "key" or "operator");
            // A required field gets no default: the initialiser only keeps the C# type non-null.
            properties[name] = PropertySchema(property, isRequired ? null : instance, inStatus);
            if (isRequired) required.Add(name);
        }
        var schema = new JsonObject { ["type"] = "object" };
        if (Describe(type) is { } description && type.GetCustomAttribute<KubernetesEntityAttribute>() is null) schema["description"] = description;
        schema["properties"] = properties;
        if (required.Count > 0) schema["required"] = required;
        AddCelRules(schema, type.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    private static void AddCelRules(JsonObject schema, IEnumerable<CelRuleAttribute> rules)
    {
        var list = rules.ToList();
        if (list.Count == 0) return;
        var existing = schema["x-kubernetes-validations"] as JsonArray ?? [];
        foreach (var rule in list)
        {
            var node = new JsonObject { ["rule"] = rule.Rule, ["message"] = rule.Message };
            if (rule.FieldPath is not null) node["fieldPath"] = rule.FieldPath;
            if (rule.Reason is not null) node["reason"] = rule.Reason;
            existing.Add(node);
        }
        schema["x-kubernetes-validations"] = existing;
    }

    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static string EnumName(Type enumType, object value)
    {
        var name = Enum.GetName(enumType, value)!;
        var member = enumType.GetField(name)!;
        return member.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? name;
    }

    private static JsonObject Subresources(ScaleSubresourceAttribute? scale)
    {
        var subresources = new JsonObject { ["status"] = new JsonObject() };
        if (scale is null) return subresources;
        var paths = new JsonObject { ["specReplicasPath"] = scale.SpecReplicasPath, ["statusReplicasPath"] = scale.StatusReplicasPath };
        if (scale.LabelSelectorPath is { } selector) paths["labelSelectorPath"] = selector;
        subresources["scale"] = paths;
        return subresources;
    }

    private static string? Describe(MemberInfo member) => member.GetCustomAttribute<DescriptionAttribute>()?.Description;

    /// <summary>Renders a CRD (or any JSON tree) as YAML with keys in generation order.</summary>
    public static string ToYaml(JsonNode node)
    {
        var serializer = new YamlDotNet.Serialization.SerializerBuilder()
            .WithQuotingNecessaryStrings()
            .DisableAliases()
            .Build();
        return serializer.Serialize(ToPlain(node));
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.Aggregate(new OrderedDictionary<string, object?>(), (d, kv) => { d.Add(kv.Key, ToPlain(kv.Value)); return d; }),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : (object)v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    /// <summary>Every CRD of the API, keyed by the file name it is written to in <c>crds/</c>.</summary>
    public static IReadOnlyDictionary<string, string> GenerateAll()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in ApiTypes.All)
        {
            var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()!;
            var crd = Generate(type);
            result[$"{entity.Group}_{entity.Plural}.yaml"] = "# Generated from the C# API types by `make manifests`. Do not edit.\n" + ToYaml(crd);
        }
        return result;
    }
}
