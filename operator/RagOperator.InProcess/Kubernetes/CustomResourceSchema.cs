using System.Text.Json.Nodes;
using RagOperator.InProcess.Validation;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The openAPIV3Schema of one CRD version, and what the API server does with it on every write: prune unknown
/// fields, apply defaults, then validate (bounds, enums, patterns, required, CEL rules with oldSelf on update).
/// apiVersion, kind and metadata are never pruned or defaulted, as in the real server; CEL rules see only
/// metadata.name and metadata.generateName.
/// </summary>
internal sealed class CustomResourceSchema
{
    private readonly StructuralSchema schema;

    private CustomResourceSchema(JsonObject raw, StructuralSchema schema)
    {
        Raw = raw;
        this.schema = schema;
    }

    public JsonObject Raw { get; }

    public static CustomResourceSchema Parse(JsonObject openApiV3Schema)
    {
        var copy = JsonTree.Clone(openApiV3Schema);
        return new CustomResourceSchema(copy, StructuralSchema.Parse(copy));
    }

    /// <summary>Prunes unknown fields in place (server-side apply prunes the applied configuration before merging).</summary>
    public void Prune(JsonObject obj)
    {
        var detached = Detach(obj);
        SchemaPruner.Prune(schema, obj);
        Reattach(obj, detached);
    }

    /// <summary>Prunes unknown fields and applies defaults in place.</summary>
    public void PruneAndDefault(JsonObject obj)
    {
        var detached = Detach(obj);
        SchemaPruner.Prune(schema, obj);
        SchemaDefaulter.ApplyDefaults(schema, obj);
        Reattach(obj, detached);
    }

    public IReadOnlyList<FieldViolation> Validate(JsonObject obj, JsonObject? old)
    {
        var errors = SchemaValidator.Validate(schema, ForValidation(obj), old is null ? null : ForValidation(old));
        return errors.Select(ToViolation).ToList();
    }

    private static JsonObject ForValidation(JsonObject obj)
    {
        var copy = JsonTree.Clone(obj);
        var metadata = new JsonObject();
        foreach (var name in new[] { "name", "generateName" })
        {
            if (JsonTree.At(obj, "metadata", name) is { } value)
            {
                metadata[name] = value.DeepClone();
            }
        }

        copy["metadata"] = metadata;
        return copy;
    }

    /// <summary>The validator's message is already the body kube-apiserver prints after the field path.</summary>
    private static FieldViolation ToViolation(FieldError error) =>
        new(error.Field, error.Type, "", error.BadValue, RenderedBody: error.Message);

    private static List<KeyValuePair<string, JsonNode?>> Detach(JsonObject obj)
    {
        var detached = new List<KeyValuePair<string, JsonNode?>>();
        foreach (var name in new[] { "apiVersion", "kind", "metadata" })
        {
            if (obj.TryGetPropertyValue(name, out var value))
            {
                obj.Remove(name);
                detached.Add(new KeyValuePair<string, JsonNode?>(name, value));
            }
        }

        return detached;
    }

    private static void Reattach(JsonObject obj, List<KeyValuePair<string, JsonNode?>> detached)
    {
        // apiVersion, kind and metadata go back in front.
        var rest = obj.ToList();
        obj.Clear();
        foreach (var (name, value) in detached.Concat(rest))
        {
            obj[name] = value;
        }
    }
}
