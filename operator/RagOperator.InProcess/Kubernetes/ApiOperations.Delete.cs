using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

internal sealed partial class ApiOperations
{
    private const string OrphanFinalizer = "orphan";
    private const string ForegroundFinalizer = "foregroundDeletion";
    private readonly HashSet<string> finalizing = new(StringComparer.Ordinal);

    public WriteOutcome Delete(ResolvedResource resource, string? ns, string name, DeleteOptions delete)
    {
        lock (store.Sync)
        {
            var definition = resource.Definition;
            var key = KeyFor(definition, ns, name);
            var current = store.Find(key) ?? throw ApiErrors.NotFound(definition, name);
            CheckPreconditions(definition, name, current, delete);
            var policy = ParsePolicy(delete.PropagationPolicy);
            if (delete.DryRun)
            {
                return new WriteOutcome(Present(resource, current), Committed: false, 200);
            }

            var before = store.CurrentVersion;
            var (state, pending) = DeleteObject(definition, key, current, policy);
            return new WriteOutcome(Present(resource, state), store.CurrentVersion != before, pending ? 202 : 200);
        }
    }

    public (IReadOnlyList<JsonObject> Deleted, bool Committed) DeleteCollection(ResolvedResource resource, string? ns, ListOptions query, DeleteOptions delete)
    {
        lock (store.Sync)
        {
            var policy = ParsePolicy(delete.PropagationPolicy);
            var definition = resource.Definition;
            var targets = store.Items(definition.GroupResource)
                .Where(o => ns is null || Meta.Namespace(o) == ns)
                .Where(o => query.Labels.Matches(o) && query.Fields.Matches(o))
                .ToList();
            var before = store.CurrentVersion;
            var deleted = new List<JsonObject>();
            foreach (var target in targets)
            {
                var key = KeyFor(definition, Meta.Namespace(target), Meta.Name(target)!);
                if (store.Find(key) is not { } current)
                {
                    continue;
                }

                if (delete.DryRun)
                {
                    deleted.Add(Present(resource, current));
                    continue;
                }

                deleted.Add(Present(resource, DeleteObject(definition, key, current, policy).State));
            }

            return (deleted, store.CurrentVersion != before);
        }
    }

    private static void CheckPreconditions(ResourceDefinition definition, string name, JsonObject current, DeleteOptions delete)
    {
        if (delete.PreconditionUid is { } uid && uid != Meta.Uid(current))
        {
            throw ApiErrors.Conflict(definition, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Meta.Uid(current)}");
        }

        if (delete.PreconditionResourceVersion is { } version && version != Meta.ResourceVersion(current))
        {
            throw ApiErrors.Conflict(definition, name, $"Precondition failed: ResourceVersion in precondition: {version}, ResourceVersion in object meta: {Meta.ResourceVersion(current)}");
        }
    }

    private static string ParsePolicy(string? policy) => policy switch
    {
        null or "" or "Background" => "Background",
        "Foreground" or "Orphan" => policy,
        _ => throw new ApiStatusException(
            422,
            "Invalid",
            $"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
            new StatusDetails(null, "meta.k8s.io", "DeleteOptions", [new StatusCause("FieldValueNotSupported", $"Unsupported value: \"{policy}\"", "propagationPolicy")])),
    };

    /// <summary>
    /// Deletes one object under the lock: with finalizers (its own, or orphan/foregroundDeletion from the
    /// propagation policy) it gets a deletionTimestamp and stays until they are gone; otherwise it is removed.
    /// Returns the last state and whether the deletion is still pending.
    /// </summary>
    private (JsonObject State, bool Pending) DeleteObject(ResourceDefinition definition, ObjectKey key, JsonObject current, string policy)
    {
        if (definition.GroupResource == "namespaces")
        {
            return DeleteNamespace(key, current);
        }

        if (Meta.IsTerminating(current))
        {
            // Already being deleted: the pending deletion stands.
            return (current, true);
        }

        var finalizers = Meta.Finalizers(current);
        if (policy == "Orphan" && !finalizers.Contains(OrphanFinalizer))
        {
            finalizers.Add(OrphanFinalizer);
        }
        else if (policy == "Foreground" && !finalizers.Contains(ForegroundFinalizer))
        {
            finalizers.Add(ForegroundFinalizer);
        }

        if (finalizers.Count == 0)
        {
            return (Remove(definition, key, current), false);
        }

        var terminating = JsonTree.Clone(current);
        Meta.Of(terminating)["deletionTimestamp"] = Now();
        Meta.Of(terminating)["deletionGracePeriodSeconds"] = 0;
        Meta.SetFinalizers(terminating, finalizers);
        store.Commit(key, JsonTree.Ordered(terminating), WatchEventType.Modified);
        ProcessServerFinalizers(key);
        return store.Find(key) is { } still ? (still, true) : (terminating, false);
    }

    /// <summary>Removes an object from storage and runs what follows a removal: CRD cleanup, garbage collection, namespace finalization.</summary>
    private JsonObject Remove(ResourceDefinition definition, ObjectKey key, JsonObject state)
    {
        var removed = JsonTree.Clone(state);
        store.Commit(key, removed, WatchEventType.Deleted);
        var uid = Meta.Uid(removed);

        if (definition.GroupResource == CustomResourceDefinitions.Resource)
        {
            RemoveCustomResources(removed);
        }

        if (uid is not null)
        {
            CollectGarbage(uid);
        }

        // Owners deleting in the foreground may have been waiting for this dependent.
        foreach (var owner in Meta.OwnerReferences(removed))
        {
            if (store.FindByUid(owner.Uid) is { } found && Meta.Finalizers(found.Object).Contains(ForegroundFinalizer))
            {
                ProcessServerFinalizers(found.Key);
            }
        }

        if (key.Namespace is { } ns)
        {
            TryFinalizeNamespace(ns);
        }

        return removed;
    }

    /// <summary>
    /// Runs the finalizers the garbage collector owns on a terminating object: "orphan" strips the owner
    /// reference from the dependents; "foregroundDeletion" deletes the dependents and waits for those with
    /// blockOwnerDeletion. When no finalizer is left the object goes.
    /// </summary>
    private void ProcessServerFinalizers(ObjectKey key)
    {
        if (store.Find(key) is not { } obj || !Meta.IsTerminating(obj) || Meta.Uid(obj) is not { } uid || !finalizing.Add(uid))
        {
            return;
        }

        try
        {
            var finalizers = Meta.Finalizers(obj);
            if (finalizers.Contains(OrphanFinalizer))
            {
                foreach (var (dependentKey, dependent) in Dependents(uid))
                {
                    RewriteOwnerReferences(dependentKey, dependent, keep: r => r.Uid != uid);
                }

                finalizers.Remove(OrphanFinalizer);
            }

            if (finalizers.Contains(ForegroundFinalizer))
            {
                foreach (var dependentKey in Dependents(uid).Select(d => d.Key))
                {
                    if (store.Find(dependentKey) is { } live && !Meta.IsTerminating(live) && registry.Find(dependentKey.Resource) is { } dependentDefinition)
                    {
                        DeleteObject(dependentDefinition, dependentKey, live, "Foreground");
                    }
                }

                var blocking = Dependents(uid).Any(d => Meta.OwnerReferences(d.Object).Any(r => r.Uid == uid && r.BlockOwnerDeletion));
                if (!blocking)
                {
                    finalizers.Remove(ForegroundFinalizer);
                }
            }

            if (store.Find(key) is not { } latest)
            {
                return;
            }

            if (finalizers.SequenceEqual(Meta.Finalizers(latest)))
            {
                return;
            }

            var updated = JsonTree.Clone(latest);
            Meta.SetFinalizers(updated, finalizers);
            if (finalizers.Count == 0 && registry.Find(key.Resource) is { } definition)
            {
                Remove(definition, key, updated);
            }
            else
            {
                store.Commit(key, JsonTree.Ordered(updated), WatchEventType.Modified);
            }
        }
        finally
        {
            finalizing.Remove(uid);
        }
    }

    /// <summary>
    /// Background garbage collection after an owner is gone: a dependent whose other owners still exist loses the
    /// dangling references; a dependent with no owner left is deleted (in the background, so it cascades).
    /// </summary>
    private void CollectGarbage(string ownerUid)
    {
        foreach (var dependentKey in Dependents(ownerUid).Select(d => d.Key))
        {
            if (store.Find(dependentKey) is not { } live)
            {
                continue;
            }

            var references = Meta.OwnerReferences(live);
            var solid = references.Where(r => r.Uid != ownerUid && store.FindByUid(r.Uid) is not null).ToList();
            if (solid.Count > 0)
            {
                RewriteOwnerReferences(dependentKey, live, keep: r => solid.Any(s => s.Uid == r.Uid));
            }
            else if (!Meta.IsTerminating(live) && registry.Find(dependentKey.Resource) is { } definition)
            {
                DeleteObject(definition, dependentKey, live, "Background");
            }
        }
    }

    private void RewriteOwnerReferences(ObjectKey key, JsonObject obj, Func<OwnerRef, bool> keep)
    {
        if (JsonTree.At(obj, "metadata", "ownerReferences") is not JsonArray references)
        {
            return;
        }

        var kept = references.OfType<JsonObject>()
            .Where(r => keep(new OwnerRef("", "", "", JsonTree.GetString(r["uid"]) ?? "", false, false)))
            .Select(r => (JsonNode?)r.DeepClone())
            .ToArray();
        if (kept.Length == references.Count)
        {
            return;
        }

        var updated = JsonTree.Clone(obj);
        if (kept.Length == 0)
        {
            Meta.Of(updated).Remove("ownerReferences");
        }
        else
        {
            Meta.Of(updated)["ownerReferences"] = new JsonArray(kept);
        }

        store.Commit(key, JsonTree.Ordered(updated), WatchEventType.Modified);
    }

    /// <summary>Every stored object with an owner reference to <paramref name="ownerUid"/>.</summary>
    private List<(ObjectKey Key, JsonObject Object)> Dependents(string ownerUid)
    {
        var result = new List<(ObjectKey, JsonObject)>();
        foreach (var resourceName in store.Resources.ToList())
        {
            var definition = registry.Find(resourceName);
            foreach (var obj in store.Items(resourceName))
            {
                if (Meta.OwnerReferences(obj).Any(r => r.Uid == ownerUid))
                {
                    result.Add((new ObjectKey(resourceName, definition?.Namespaced == false ? null : Meta.Namespace(obj), Meta.Name(obj)!), obj));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// A namespace is marked Terminating, its content is deleted, and it goes once it is empty (the real
    /// namespace controller does the same asynchronously, through the "kubernetes" spec finalizer).
    /// </summary>
    private (JsonObject State, bool Pending) DeleteNamespace(ObjectKey key, JsonObject current)
    {
        if (!Meta.IsTerminating(current))
        {
            var terminating = JsonTree.Clone(current);
            Meta.Of(terminating)["deletionTimestamp"] = Now();
            Meta.Of(terminating)["deletionGracePeriodSeconds"] = 0;
            JsonTree.Child(terminating, "status")["phase"] = "Terminating";
            store.Commit(key, JsonTree.Ordered(terminating), WatchEventType.Modified);
        }

        foreach (var resourceName in store.Resources.ToList())
        {
            if (registry.Find(resourceName) is not { Namespaced: true } definition)
            {
                continue;
            }

            foreach (var obj in store.Items(resourceName).Where(o => Meta.Namespace(o) == key.Name).ToList())
            {
                var objKey = KeyFor(definition, key.Name, Meta.Name(obj)!);
                if (store.Find(objKey) is { } live && !Meta.IsTerminating(live))
                {
                    DeleteObject(definition, objKey, live, "Background");
                }
            }
        }

        TryFinalizeNamespace(key.Name);
        return store.Find(key) is { } still ? (still, true) : (current, false);
    }

    private void TryFinalizeNamespace(string ns)
    {
        var key = new ObjectKey("namespaces", null, ns);
        if (store.Find(key) is not { } namespaceObject || !Meta.IsTerminating(namespaceObject))
        {
            return;
        }

        foreach (var resourceName in store.Resources)
        {
            if (registry.Find(resourceName) is { Namespaced: true } && store.Items(resourceName).Any(o => Meta.Namespace(o) == ns))
            {
                return;
            }
        }

        var updated = JsonTree.Clone(namespaceObject);
        JsonTree.Child(updated, "spec").Remove("finalizers");
        if (Meta.Finalizers(updated).Count == 0)
        {
            Remove(registry.Find("namespaces")!, key, updated);
        }
        else if (!JsonNode.DeepEquals(updated, namespaceObject))
        {
            store.Commit(key, JsonTree.Ordered(updated), WatchEventType.Modified);
        }
    }

    /// <summary>Deleting a CRD deletes every object of its resource (their finalizers are not waited for) and stops serving it.</summary>
    private void RemoveCustomResources(JsonObject crd)
    {
        var group = JsonTree.GetString(JsonTree.At(crd, "spec", "group"));
        var plural = JsonTree.GetString(JsonTree.At(crd, "spec", "names", "plural"));
        var resourceName = $"{plural}.{group}";
        if (registry.Find(resourceName) is not { IsCustom: true } definition)
        {
            return;
        }

        foreach (var obj in store.Items(resourceName).ToList())
        {
            var key = KeyFor(definition, Meta.Namespace(obj), Meta.Name(obj)!);
            if (store.Find(key) is { } live)
            {
                Remove(definition, key, live);
            }
        }

        registry.Unregister(resourceName);
    }
}
