using System.Reflection;
using System.Text.Json.Nodes;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Validation;

/// <summary>
/// Fields of a manifest that the API type does not declare. The API server would prune them silently (or reject
/// them under kubectl's strict field validation); for a GitOps review a typo like <c>shard:</c> must be an error.
/// </summary>
public static class UnknownFields
{
    public static IReadOnlyList<SpecProblem> Find(JsonObject manifest, Type type)
    {
        var problems = new List<SpecProblem>();
        foreach (var (key, value) in manifest)
        {
            if (key is "apiVersion" or "kind" or "metadata") continue;
            var property = Property(type, key);
            if (property is null) problems.Add(Unknown(key));
            else Walk(value, property.PropertyType, key, property, problems);
        }

        return problems;
    }

    private static void Walk(JsonNode? node, Type type, string path, PropertyInfo? property, List<SpecProblem> problems)
    {
        if (node is null || property?.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null) return;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (typeof(JsonNode).IsAssignableFrom(type)) return;
        switch (node)
        {
            case JsonObject obj when IsModel(type):
                foreach (var (key, value) in obj)
                {
                    var child = Property(type, key);
                    if (child is null) problems.Add(Unknown($"{path}.{key}"));
                    else Walk(value, child.PropertyType, $"{path}.{key}", child, problems);
                }

                break;
            case JsonArray array when ItemType(type) is { } itemType:
                for (var i = 0; i < array.Count; i++) Walk(array[i], itemType, $"{path}[{i}]", null, problems);
                break;
        }
    }

    private static bool IsModel(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsGenericType
        && (type.Namespace?.StartsWith("RagOperator.Api", StringComparison.Ordinal) == true || type.Namespace == typeof(ObjectMeta).Namespace);

    private static Type? ItemType(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is [var item] && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? item : null;

    private static PropertyInfo? Property(Type type, string jsonName) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.GetIndexParameters().Length == 0 && CrdGenerator.JsonName(p) == jsonName);

    private static SpecProblem Unknown(string path) => new(path, "unknown field; check the spelling against the CRD (kubectl explain)");
}
