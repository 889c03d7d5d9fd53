using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// Applies schema defaults as kube-apiserver does on decode (<c>structuraldefaulting.Default</c>): a property's default
/// is set where the property is absent (or null but not nullable) <i>and its parent object exists</i>; a default
/// object is then itself defaulted, so <c>default: {}</c> materialises the parent and then its children's defaults.
/// Items and additionalProperties values that are non-nullable nulls get their schema's default. Defaults are deep
/// copies; the schema is never shared with the object.
/// </summary>
public static class SchemaDefaulter
{
    public static void ApplyDefaults(StructuralSchema schema, JsonNode obj)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Default(obj, schema);
    }

    private static void Default(JsonNode? node, StructuralSchema? schema)
    {
        if (schema is null) return;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, property) in schema.Properties)
                {
                    if (property.Default is null) continue;
                    if (!obj.TryGetPropertyValue(name, out var value) || (value is null && !property.Nullable))
                        obj[name] = property.Default.DeepClone();
                }
                foreach (var name in obj.Select(kv => kv.Key).ToList())
                {
                    if (schema.Properties.TryGetValue(name, out var property))
                    {
                        Default(obj[name], property);
                    }
                    else if (schema.AdditionalProperties is { } values)
                    {
                        if (obj[name] is null && !values.Nullable && values.Default is not null) obj[name] = values.Default.DeepClone();
                        Default(obj[name], values);
                    }
                }
                break;
            case JsonArray array when schema.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is null && !items.Nullable && items.Default is not null) array[i] = items.Default.DeepClone();
                    Default(array[i], items);
                }
                break;
        }
    }
}
