using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>One metadata.managedFields entry: which fields a manager owns, through which operation.</summary>
internal sealed record ManagedFieldsEntry(string Manager, string Operation, string ApiVersion, string? Time, string? Subresource, HashSet<string> Fields)
{
    public bool SameOwner(string manager, string operation, string? subresource) =>
        Manager == manager && Operation == operation && Subresource == subresource;

    public JsonObject ToJson()
    {
        var entry = new JsonObject
        {
            ["manager"] = Manager,
            ["operation"] = Operation,
            ["apiVersion"] = ApiVersion,
        };
        if (Time is not null)
        {
            entry["time"] = Time;
        }

        entry["fieldsType"] = "FieldsV1";
        entry["fieldsV1"] = FieldPaths.ToFieldsV1(Fields);
        if (Subresource is not null)
        {
            entry["subresource"] = Subresource;
        }

        return entry;
    }

    public static ManagedFieldsEntry FromJson(JsonObject entry) => new(
        JsonTree.GetString(entry["manager"]) ?? "",
        JsonTree.GetString(entry["operation"]) ?? "Update",
        JsonTree.GetString(entry["apiVersion"]) ?? "",
        JsonTree.GetString(entry["time"]),
        JsonTree.GetString(entry["subresource"]),
        FieldPaths.FromFieldsV1(entry["fieldsV1"] as JsonObject));
}

/// <summary>
/// Field ownership as the real API server records it in metadata.managedFields: non-apply writes (create,
/// update, patch) give the writer ownership of every field they change and take removed fields from everyone;
/// server-side apply is in <see cref="ServerSideApply"/>.
/// </summary>
internal static class ManagedFields
{
    public static List<ManagedFieldsEntry> Read(JsonObject obj) =>
        JsonTree.At(obj, "metadata", "managedFields") is JsonArray entries
            ? entries.OfType<JsonObject>().Select(ManagedFieldsEntry.FromJson).ToList()
            : [];

    public static void Write(JsonObject obj, IEnumerable<ManagedFieldsEntry> entries)
    {
        var list = entries.Where(e => e.Fields.Count > 0).Select(e => (JsonNode?)e.ToJson()).ToArray();
        var metadata = Meta.Of(obj);
        if (list.Length == 0)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = new JsonArray(list);
        }
    }

    /// <summary>Records a non-apply write by <paramref name="manager"/> that turned <paramref name="old"/> into <paramref name="updated"/>.</summary>
    public static List<ManagedFieldsEntry> RecordUpdate(
        IReadOnlyList<ManagedFieldsEntry> entries,
        JsonObject? old,
        JsonObject updated,
        string manager,
        string apiVersion,
        string? subresource,
        FieldScope scope,
        IObjectShape shape,
        string now)
    {
        var newFields = FieldPaths.Collect(updated, shape, scope);
        var oldFields = old is null ? [] : FieldPaths.Collect(old, shape, scope);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in newFields)
        {
            // An existing list item whose fields change stays with its owners; only its changed fields move.
            if (!oldFields.Contains(path)
                || (!FieldPaths.IsItem(path) && !JsonNode.DeepEquals(FieldPaths.Get(old!, path, shape).Value, FieldPaths.Get(updated, path, shape).Value)))
            {
                changed.Add(path);
            }
        }

        var removed = oldFields.Where(p => !newFields.Contains(p)).ToHashSet(StringComparer.Ordinal);
        if (changed.Count == 0 && removed.Count == 0)
        {
            return [.. entries];
        }

        var result = new List<ManagedFieldsEntry>();
        var found = false;
        foreach (var entry in entries)
        {
            var fields = new HashSet<string>(entry.Fields, StringComparer.Ordinal);
            fields.ExceptWith(removed);
            if (entry.SameOwner(manager, "Update", subresource))
            {
                found = true;
                fields.UnionWith(changed);
                result.Add(entry with { Fields = fields, Time = now, ApiVersion = apiVersion });
            }
            else
            {
                fields.ExceptWith(changed);
                result.Add(entry with { Fields = fields });
            }
        }

        if (!found && changed.Count > 0)
        {
            result.Add(new ManagedFieldsEntry(manager, "Update", apiVersion, now, subresource, changed));
        }

        return result.Where(e => e.Fields.Count > 0).ToList();
    }
}
