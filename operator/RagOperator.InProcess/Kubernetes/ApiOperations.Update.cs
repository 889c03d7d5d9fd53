using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>The patch formats the server accepts.</summary>
internal enum PatchType
{
    Merge,
    Json,
    StrategicMerge,
    Apply,
}

internal sealed partial class ApiOperations
{
    /// <summary>PUT on the object or its /status subresource.</summary>
    public WriteOutcome Update(ResolvedResource resource, string? ns, string name, JsonObject body, string? subresource, WriteOptions write)
    {
        lock (store.Sync)
        {
            var definition = resource.Definition;
            var key = KeyFor(definition, ns, name);
            var incoming = Incoming(resource, ns, body, name);
            var current = store.Find(key) ?? throw ApiErrors.NotFound(definition, name);
            var requested = Meta.ResourceVersion(incoming);
            if (string.IsNullOrEmpty(requested))
            {
                // Custom resources do not allow unconditional updates (the real strategy's AllowUnconditionalUpdate is false).
                if (definition.IsCustom)
                {
                    throw ApiErrors.Invalid(definition, name, new FieldViolation("metadata.resourceVersion", "FieldValueInvalid", "must be specified for an update", "0x0"));
                }
            }
            else if (requested != Meta.ResourceVersion(current))
            {
                throw ApiErrors.StaleResourceVersion(definition, name);
            }

            var candidate = Candidate(resource, current, incoming, subresource);
            return UpdateCore(resource, key, current, candidate, subresource, write, applier: null);
        }
    }

    /// <summary>PATCH: merge, JSON, strategic merge (built-ins only) and server-side apply.</summary>
    public WriteOutcome Patch(ResolvedResource resource, string? ns, string name, PatchType type, string body, string? subresource, WriteOptions write)
    {
        lock (store.Sync)
        {
            var definition = resource.Definition;
            var key = KeyFor(definition, ns, name);
            var current = store.Find(key);
            if (type == PatchType.Apply)
            {
                return ApplyCore(resource, ns, name, key, current, body, subresource, write);
            }

            if (current is null)
            {
                throw ApiErrors.NotFound(definition, name);
            }

            var document = Present(resource, current);
            var patch = JsonTree.ParseBody(body);
            var patched = type switch
            {
                PatchType.Merge => JsonMergePatch.Apply(document, patch),
                PatchType.Json => JsonPatch.Apply(document, patch),
                _ => StrategicMergePatch.Apply(document, patch, resource.Version.Shape),
            };

            if (patched is not JsonObject patchedObject)
            {
                throw ApiErrors.BadRequest("the patch produced a document that is not a JSON object");
            }

            var requested = Meta.ResourceVersion(patchedObject);
            if (!string.IsNullOrEmpty(requested) && requested != Meta.ResourceVersion(current))
            {
                throw ApiErrors.StaleResourceVersion(definition, name);
            }

            if (Meta.Name(patchedObject) != name || (definition.Namespaced && Meta.Namespace(patchedObject) != ns))
            {
                throw ApiErrors.BadRequest($"the name of the object ({Meta.Name(patchedObject)}) does not match the name on the URL ({name})");
            }

            var incoming = Incoming(resource, ns, patchedObject, name);
            var candidate = Candidate(resource, current, incoming, subresource);
            return UpdateCore(resource, key, current, candidate, subresource, write, applier: null);
        }
    }

    private WriteOutcome ApplyCore(ResolvedResource resource, string? ns, string name, ObjectKey key, JsonObject? current, string body, string? subresource, WriteOptions write)
    {
        var definition = resource.Definition;
        if (string.IsNullOrEmpty(write.Manager))
        {
            throw ApiErrors.BadRequest("PATCH /apply: fieldManager is required for apply requests");
        }

        JsonObject applied;
        try
        {
            applied = YamlJson.Parse(body) as JsonObject ?? throw ApiErrors.BadRequest("error decoding YAML: the applied configuration is not an object");
        }
        catch (FormatException e)
        {
            throw ApiErrors.BadRequest($"error decoding YAML: {e.Message}");
        }

        var apiVersion = JsonTree.GetString(applied["apiVersion"]);
        var kind = JsonTree.GetString(applied["kind"]);
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            throw ApiErrors.BadRequest("invalid object type: apiVersion and kind must be set in an applied configuration");
        }

        var incoming = Incoming(resource, ns, applied, name);
        var requested = Meta.ResourceVersion(incoming);
        if (!string.IsNullOrEmpty(requested) && (current is null || requested != Meta.ResourceVersion(current)))
        {
            throw current is null ? ApiErrors.NotFound(definition, name) : ApiErrors.StaleResourceVersion(definition, name);
        }

        // Unknown fields of a custom resource are pruned before the merge, so nobody owns them.
        resource.Version.Schema?.Prune(incoming);

        var scope = subresource == "status" ? FieldScope.Status : resource.Version.HasStatusSubresource ? FieldScope.Main : FieldScope.All;
        var shape = resource.Version.Shape;
        var now = Now();
        try
        {
            if (current is null)
            {
                if (subresource is not null)
                {
                    throw ApiErrors.NotFound(definition, name);
                }

                var (created, createdEntries) = ServerSideApply.Apply(null, incoming, [], write.Manager, write.Force, resource.ApiVersion, null, scope, shape, now);
                return CreateCore(resource, created, createdEntries, write);
            }

            var (merged, entries) = ServerSideApply.Apply(Present(resource, current), incoming, ManagedFields.Read(current), write.Manager, write.Force, resource.ApiVersion, subresource, scope, shape, now);
            var candidate = Candidate(resource, current, merged, subresource);
            ManagedFields.Write(candidate, entries);
            return UpdateCore(resource, key, current, candidate, subresource, write, applier: write.Manager);
        }
        catch (ApplyConflictException conflict)
        {
            throw conflict.ToStatus(definition, name);
        }
    }

    /// <summary>
    /// The new state an update proposes, with the server's rules: server-owned metadata comes from the current
    /// object; with a status subresource, the main resource keeps the current status and /status keeps
    /// everything but the status.
    /// </summary>
    private static JsonObject Candidate(ResolvedResource resource, JsonObject current, JsonObject incoming, string? subresource)
    {
        JsonObject candidate;
        if (subresource == "status")
        {
            candidate = JsonTree.Clone(current);
            if (incoming["status"] is { } status)
            {
                candidate["status"] = status.DeepClone();
            }
            else
            {
                candidate.Remove("status");
            }
        }
        else
        {
            candidate = JsonTree.Clone(incoming);
            if (resource.Version.HasStatusSubresource)
            {
                if (current["status"] is { } status)
                {
                    candidate["status"] = status.DeepClone();
                }
                else
                {
                    candidate.Remove("status");
                }
            }
        }

        var metadata = Meta.Of(candidate);
        var currentMetadata = Meta.Of(JsonTree.Clone(current));
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion", "name", "namespace" })
        {
            if (currentMetadata[field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
            else
            {
                metadata.Remove(field);
            }
        }

        // Client-sent managedFields are not trusted: ownership is recomputed from the current entries.
        if (currentMetadata["managedFields"] is { } managed)
        {
            metadata["managedFields"] = managed.DeepClone();
        }
        else
        {
            metadata.Remove("managedFields");
        }

        return candidate;
    }

    /// <summary>
    /// Finishes an update under the lock: finalizer rules, defaults and validation, generation, managed fields;
    /// then writes nothing when nothing changed, removes a terminating object whose last finalizer went, or commits.
    /// </summary>
    private WriteOutcome UpdateCore(ResolvedResource resource, ObjectKey key, JsonObject current, JsonObject candidate, string? subresource, WriteOptions write, string? applier)
    {
        var definition = resource.Definition;
        var name = key.Name;
        if (Meta.IsTerminating(current))
        {
            var added = Meta.Finalizers(candidate).Except(Meta.Finalizers(current)).ToList();
            if (added.Count > 0)
            {
                throw ApiErrors.Invalid(definition, name, new FieldViolation(
                    "metadata.finalizers",
                    "FieldValueForbidden",
                    $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(f => $"\"{f}\""))}}}",
                    null));
            }
        }

        candidate["apiVersion"] = definition.ApiVersionFor(definition.StorageVersion.Name);
        candidate["kind"] = definition.Kind;
        Normalize(resource, candidate, Present(resource, current), creating: false);

        if (GenerationChanged(resource, current, candidate))
        {
            Meta.Of(candidate)["generation"] = Meta.Generation(current) + 1;
        }

        var scope = subresource == "status" ? FieldScope.Status : resource.Version.HasStatusSubresource ? FieldScope.Main : FieldScope.All;
        var now = Now();
        if (applier is null)
        {
            var entries = ManagedFields.RecordUpdate(ManagedFields.Read(current), current, candidate, write.Manager, resource.ApiVersion, subresource, scope, resource.Version.Shape, now);
            ManagedFields.Write(candidate, entries);
        }
        else if (!JsonNode.DeepEquals(WithoutManagedFields(candidate), WithoutManagedFields(current)))
        {
            // The applier changed the object: its entry gets the time of this write.
            var entries = ManagedFields.Read(candidate)
                .Select(e => e.SameOwner(applier, "Apply", subresource) ? e with { Time = now } : e)
                .ToList();
            ManagedFields.Write(candidate, entries);
        }

        var stored = JsonTree.Ordered(candidate);
        if (JsonNode.DeepEquals(stored, current))
        {
            // Nothing changed: no write, no new resourceVersion (the real server skips no-op updates the same way).
            return new WriteOutcome(Present(resource, current), Committed: false, 200);
        }

        if (write.DryRun)
        {
            return new WriteOutcome(Present(resource, stored), Committed: false, 200);
        }

        if (Meta.IsTerminating(stored) && Meta.Finalizers(stored).Count == 0)
        {
            var removed = Remove(definition, key, stored);
            return new WriteOutcome(Present(resource, removed), Committed: true, 200);
        }

        store.Commit(key, stored, WatchEventType.Modified);
        AfterWrite(definition, stored);
        ProcessServerFinalizers(key);
        return new WriteOutcome(Present(resource, store.Find(key) ?? stored), Committed: true, 200);
    }

    /// <summary>
    /// metadata.generation moves when the desired state changes: for custom resources anything but metadata (and
    /// status, with a status subresource); for built-ins the spec.
    /// </summary>
    private static bool GenerationChanged(ResolvedResource resource, JsonObject current, JsonObject candidate)
    {
        if (!resource.Definition.IsCustom)
        {
            return !JsonNode.DeepEquals(current["spec"], candidate["spec"]);
        }

        static JsonObject Desired(JsonObject obj, bool dropStatus)
        {
            var copy = new JsonObject();
            foreach (var (name, value) in obj)
            {
                if (name is "metadata" or "apiVersion" or "kind" || (dropStatus && name == "status"))
                {
                    continue;
                }

                copy[name] = value?.DeepClone();
            }

            return copy;
        }

        var dropStatus = resource.Version.HasStatusSubresource;
        return !JsonNode.DeepEquals(Desired(current, dropStatus), Desired(candidate, dropStatus));
    }

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = JsonTree.Clone(obj);
        Meta.Of(copy).Remove("managedFields");
        Meta.Of(copy).Remove("resourceVersion");
        return copy;
    }
}
