using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>A field another manager owns with a different value than the one applied.</summary>
internal sealed record ApplyConflict(string Manager, string ApiVersion, string Path);

/// <summary>Raised when an apply without force would change fields other managers own.</summary>
internal sealed class ApplyConflictException(IReadOnlyList<ApplyConflict> conflicts)
    : Exception($"Apply failed with {conflicts.Count} conflict(s)")
{
    public IReadOnlyList<ApplyConflict> Conflicts { get; } = conflicts;

    public ApiStatusException ToStatus(ResourceDefinition resource, string name)
    {
        var groups = Conflicts.GroupBy(c => (c.Manager, c.ApiVersion)).ToList();
        string message;
        if (Conflicts.Count == 1)
        {
            var only = Conflicts[0];
            message = $"Apply failed with 1 conflict: conflict with \"{only.Manager}\" using {only.ApiVersion}: {FieldPaths.Describe(only.Path)}";
        }
        else
        {
            var parts = groups.Select(g =>
                g.Count() == 1
                    ? $"conflict with \"{g.Key.Manager}\" using {g.Key.ApiVersion}: {FieldPaths.Describe(g.First().Path)}"
                    : $"conflicts with \"{g.Key.Manager}\" using {g.Key.ApiVersion}:\n" + string.Join("\n", g.Select(c => "- " + FieldPaths.Describe(c.Path))));
            message = $"Apply failed with {Conflicts.Count} conflicts: " + string.Join("\n", parts);
        }

        var causes = Conflicts
            .Select(c => new StatusCause("FieldManagerConflict", $"conflict with \"{c.Manager}\" using {c.ApiVersion}", FieldPaths.Describe(c.Path)))
            .ToList();
        return new ApiStatusException(409, "Conflict", message, new StatusDetails(name, resource.Group.Length == 0 ? null : resource.Group, resource.Plural, causes));
    }
}

/// <summary>
/// Server-side apply: merges an applied configuration into the live object and tracks field ownership per
/// manager, in the manner of sigs.k8s.io/structured-merge-diff:
/// <list type="bullet">
/// <item>the manager's applied field set replaces its previous Apply set; fields it no longer applies are removed
/// from the object unless another manager also owns them;</item>
/// <item>objects merge field by field; map lists (x-kubernetes-list-type: map, or the built-in merge keys) merge
/// item by item by key; set lists union; atomic lists and atomic maps are replaced whole;</item>
/// <item>a field owned by another manager whose value would change is a conflict (409) unless force is set, in
/// which case the applier takes the field over;</item>
/// <item>list items (k:/v: paths) never conflict by themselves: only their fields do.</item>
/// </list>
/// Differences from structured-merge-diff: no type-aware validation of the applied configuration beyond the
/// CRD schema that runs afterwards; explicit nulls in the applied configuration remove the field instead of
/// being owned; new map-list items are appended after the live items (SMD orders them by the applied list);
/// built-in kinds know only the merge keys in <see cref="BuiltInShape"/>, every other built-in list is atomic.
/// </summary>
internal static class ServerSideApply
{
    public static (JsonObject Result, List<ManagedFieldsEntry> Entries) Apply(
        JsonObject? live,
        JsonObject applied,
        IReadOnlyList<ManagedFieldsEntry> entries,
        string manager,
        bool force,
        string apiVersion,
        string? subresource,
        FieldScope scope,
        IObjectShape shape,
        string now)
    {
        var config = (JsonObject)StripNulls(applied)!;
        var appliedFields = FieldPaths.Collect(config, shape, scope);
        var liveObject = live is null ? new JsonObject() : JsonTree.Clone(live);

        var conflicts = new List<ApplyConflict>();
        var others = entries.Where(e => !e.SameOwner(manager, "Apply", subresource)).ToList();
        foreach (var path in appliedFields)
        {
            if (FieldPaths.IsItem(path))
            {
                continue;
            }

            var appliedValue = FieldPaths.Get(config, path, shape).Value;
            var (found, liveValue) = FieldPaths.Get(liveObject, path, shape);
            if (found && JsonNode.DeepEquals(appliedValue, liveValue))
            {
                continue;
            }

            foreach (var owner in others.Where(o => o.Fields.Contains(path)))
            {
                conflicts.Add(new ApplyConflict(owner.Manager, owner.ApiVersion, path));
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            throw new ApplyConflictException(conflicts);
        }

        var previous = entries.FirstOrDefault(e => e.SameOwner(manager, "Apply", subresource))?.Fields ?? [];
        var takenOver = conflicts.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        var remaining = others
            .Select(o => o with { Fields = o.Fields.Where(p => !takenOver.Contains(p)).ToHashSet(StringComparer.Ordinal) })
            .Where(o => o.Fields.Count > 0)
            .ToList();

        // Fields this manager applied before but not now go, unless someone else still owns them. Deepest first
        // so an item's fields are gone before the item.
        var stillOwned = remaining.SelectMany(o => o.Fields).ToHashSet(StringComparer.Ordinal);
        var dropped = previous.Where(p => !appliedFields.Contains(p) && !stillOwned.Contains(p)).OrderByDescending(p => p.Length).ToList();
        foreach (var path in dropped)
        {
            FieldPaths.Remove(liveObject, path, shape);
        }

        // A struct the manager applied goes with its last field, defaulted fields and all: structured-merge-diff owns
        // the map itself (the "." entry real managedFields carry), which this server does not record, so it drops a
        // parent once no manager owns anything under it, below the top level (spec, metadata); defaulting then fills
        // in again whatever the schema defaults.
        foreach (var path in dropped)
        {
            var tokens = FieldPaths.Split(path);
            for (var depth = tokens.Length - 1; depth >= 2; depth--)
            {
                var parentPath = FieldPaths.Join(tokens[..depth]);
                if (!tokens[depth - 1].StartsWith("f:", StringComparison.Ordinal) || appliedFields.Contains(parentPath)
                    || stillOwned.Any(p => p.StartsWith(parentPath, StringComparison.Ordinal))
                    || appliedFields.Any(p => p.StartsWith(parentPath + "\n", StringComparison.Ordinal))
                    || FieldPaths.Get(liveObject, parentPath, shape).Value is not JsonObject)
                {
                    break;
                }

                FieldPaths.Remove(liveObject, parentPath, shape);
            }
        }

        var merged = (JsonObject)Merge(liveObject, config, shape, [], topLevel: true, scope)!;
        DropEmptyMetadataMaps(merged);

        var mine = new ManagedFieldsEntry(manager, "Apply", apiVersion, now, subresource, appliedFields);
        var previousEntry = entries.FirstOrDefault(e => e.SameOwner(manager, "Apply", subresource));
        if (previousEntry is not null && previousEntry.Fields.SetEquals(appliedFields))
        {
            // Same ownership as before: keep its timestamp so that a no-op apply really is a no-op.
            mine = previousEntry;
        }

        // Keep the entries in their existing order, the applier's entry where it was (or last).
        var result = new List<ManagedFieldsEntry>();
        var placed = false;
        foreach (var entry in entries)
        {
            if (entry.SameOwner(manager, "Apply", subresource))
            {
                result.Add(mine);
                placed = true;
            }
            else if (remaining.FirstOrDefault(r => r.SameOwner(entry.Manager, entry.Operation, entry.Subresource)) is { } kept)
            {
                result.Add(kept);
            }
        }

        if (!placed)
        {
            result.Add(mine);
        }

        return (merged, result);
    }

    private static JsonNode? Merge(JsonNode? live, JsonNode applied, IObjectShape shape, List<string> path, bool topLevel, FieldScope scope)
    {
        if (applied is JsonObject appliedObject && live is JsonObject liveObject && !shape.IsAtomicObject(path))
        {
            var result = JsonTree.Clone(liveObject);
            foreach (var (name, value) in appliedObject)
            {
                if (value is null || (topLevel && !FieldPaths.InScope(name, scope) && name is not ("apiVersion" or "kind" or "metadata")))
                {
                    continue;
                }

                path.Add(name);
                result[name] = Merge(result[name], value, shape, path, topLevel: false, scope);
                path.RemoveAt(path.Count - 1);
            }

            return result;
        }

        if (applied is JsonArray appliedList && live is JsonArray liveList)
        {
            var semantics = shape.ListAt(path);
            switch (semantics.Kind)
            {
                case ListMergeKind.Map:
                {
                    var items = liveList.Select(i => i?.DeepClone()).ToList();
                    foreach (var item in appliedList)
                    {
                        var key = semantics.KeyOf(item);
                        var index = items.FindIndex(existing => JsonNode.DeepEquals(semantics.KeyOf(existing), key));
                        if (index >= 0)
                        {
                            items[index] = item is null ? null : Merge(items[index], item, shape, path, topLevel: false, scope);
                        }
                        else
                        {
                            items.Add(item?.DeepClone());
                        }
                    }

                    return new JsonArray(items.ToArray());
                }

                case ListMergeKind.Set:
                {
                    var items = liveList.Select(i => i?.DeepClone()).ToList();
                    items.AddRange(appliedList.Where(item => !liveList.Any(existing => JsonNode.DeepEquals(existing, item))).Select(i => i?.DeepClone()));
                    return new JsonArray(items.ToArray());
                }
            }
        }

        return applied.DeepClone();
    }

    private static JsonNode? StripNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    if (value is not null)
                    {
                        copy[name] = StripNulls(value);
                    }
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(StripNulls).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>Go omits empty label and annotation maps; so does the server after a field removal empties them.</summary>
    private static void DropEmptyMetadataMaps(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            foreach (var name in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
            {
                if (metadata[name] is JsonObject { Count: 0 } or JsonArray { Count: 0 })
                {
                    metadata.Remove(name);
                }
            }
        }
    }
}
