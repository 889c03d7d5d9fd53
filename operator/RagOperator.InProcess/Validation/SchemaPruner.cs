using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// Drops fields the schema does not declare, as kube-apiserver does on decode (<c>pruning.Prune</c> followed by
/// <c>PruneNonNullableNullsWithoutDefaults</c>). Under <c>x-kubernetes-preserve-unknown-fields</c> unknown fields
/// stay but declared ones are still pruned inside; at the root (and in <c>x-kubernetes-embedded-resource</c>
/// objects) <c>apiVersion</c>, <c>kind</c> and <c>metadata</c> are kept as they are. A null value of a non-nullable
/// field without a default is removed (one with a default is left for the defaulter to fill).
/// </summary>
public static class SchemaPruner
{
    public static void Prune(StructuralSchema schema, JsonNode obj)
    {
        ArgumentNullException.ThrowIfNull(schema);
        PruneNode(obj, schema, isResource: true);
    }

    /// <summary>Prunes a value that is not a resource (a default, a nested object): no apiVersion/kind/metadata exemption at its top.</summary>
    internal static void PruneValue(StructuralSchema schema, JsonNode value) => PruneNode(value, schema, isResource: false);

    private static void PruneNode(JsonNode? node, StructuralSchema? schema, bool isResource)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, isResource || schema?.EmbeddedResource == true);
                break;
            case JsonArray array:
                foreach (var item in array) PruneNode(item, schema?.Items, isResource: false);
                break;
        }
    }

    private static void PruneObject(JsonObject obj, StructuralSchema? schema, bool isResource)
    {
        foreach (var name in obj.Select(kv => kv.Key).ToList())
        {
            var value = obj[name];
            if (isResource && (name is "apiVersion" or "kind") && value is JsonValue) continue;
            if (isResource && name == "metadata" && value is JsonObject) continue;
            if (schema is not null && schema.Properties.TryGetValue(name, out var property))
            {
                if (value is null && !property.Nullable && property.Default is null)
                {
                    obj.Remove(name);
                    continue;
                }
                PruneNode(value, property, isResource: false);
            }
            else if (schema?.AdditionalProperties is { } values)
            {
                if (value is null && !values.Nullable && values.Default is null)
                {
                    obj.Remove(name);
                    continue;
                }
                PruneNode(value, values, isResource: false);
            }
            else if (schema?.PreserveUnknownFields != true)
            {
                obj.Remove(name);
            }
        }
    }
}
