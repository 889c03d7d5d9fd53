using System.Globalization;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The semantics of the API: create, get, list, update, patch, apply and delete with resourceVersion,
/// generation, status subresource, managed fields, schema validation, finalizers and garbage collection.
/// Every operation runs under the store lock, so it sees and leaves a consistent state. Used by the HTTP layer
/// and, directly, by the workload simulator (which plays in-cluster controllers).
/// </summary>
internal sealed partial class ApiOperations(ResourceRegistry registry, ObjectStore store, InProcessApiServerOptions options)
{
    private const string GeneratedNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private readonly Random random = new(options.Seed);
    private int nextClusterIp = 10;

    public ResourceRegistry Registry => registry;

    public ObjectStore Store => store;

    private string Now() => Meta.Timestamp(options.TimeProvider.GetUtcNow());

    public static ObjectKey KeyFor(ResourceDefinition resource, string? ns, string name) =>
        new(resource.GroupResource, resource.Namespaced ? ns : null, name);

    /// <summary>A stored object as the client sees it in the version it asked for.</summary>
    public static JsonObject Present(ResolvedResource resource, JsonObject stored)
    {
        var copy = JsonTree.Clone(stored);
        copy["apiVersion"] = resource.ApiVersion;
        copy["kind"] = resource.Definition.Kind;
        return JsonTree.Ordered(copy);
    }

    public JsonObject Get(ResolvedResource resource, string? ns, string name)
    {
        lock (store.Sync)
        {
            var found = store.Find(KeyFor(resource.Definition, ns, name)) ?? throw ApiErrors.NotFound(resource.Definition, name);
            return Present(resource, found);
        }
    }

    public ListResult List(ResolvedResource resource, string? ns, ListOptions query)
    {
        lock (store.Sync)
        {
            var definition = resource.Definition;
            long version;
            var startAfter = "";
            if (!string.IsNullOrEmpty(query.Continue))
            {
                var token = ContinueToken.Decode(query.Continue);
                version = token.ResourceVersion;
                startAfter = token.StartKey;
                if (version < store.CompactedResourceVersion)
                {
                    throw ApiErrors.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                }
            }
            else if (query.ResourceVersionMatch == "Exact")
            {
                version = ParseVersion(query.ResourceVersion, "resourceVersion");
                if (version < store.CompactedResourceVersion)
                {
                    throw ApiErrors.Expired($"too old resource version: {version} ({store.CompactedResourceVersion})");
                }
            }
            else
            {
                if (query.ResourceVersionMatch is not (null or "" or "NotOlderThan"))
                {
                    throw ApiErrors.BadRequest($"resourceVersionMatch: Unsupported value: \"{query.ResourceVersionMatch}\": supported values: \"Exact\", \"NotOlderThan\"");
                }

                version = store.CurrentVersion;
            }

            var snapshot = version == store.CurrentVersion
                ? store.Items(definition.GroupResource).Select(o => (Key: KeyFor(definition, Meta.Namespace(o), Meta.Name(o)!).SortKey, Object: o))
                : store.SnapshotAt(definition.GroupResource, version)!.Select(p => (p.Key, Object: p.Value));

            var matching = snapshot
                .Where(p => string.CompareOrdinal(p.Key, startAfter) > 0)
                .Where(p => ns is null || Meta.Namespace(p.Object) == ns)
                .Where(p => query.Labels.Matches(p.Object) && query.Fields.Matches(p.Object))
                .ToList();

            var limit = query.Limit is > 0 ? query.Limit.Value : int.MaxValue;
            var page = matching.Take(limit).ToList();
            string? next = null;
            long? remaining = null;
            if (matching.Count > page.Count)
            {
                next = new ContinueToken(version, page[^1].Key + "\0").Encode();
                if (query.Labels.IsEverything && query.Fields.IsEverything)
                {
                    remaining = matching.Count - page.Count;
                }
            }

            return new ListResult(page.Select(p => Present(resource, p.Object)).ToList(), version, next, remaining);
        }
    }

    public WriteOutcome Create(ResolvedResource resource, string? ns, JsonObject body, WriteOptions write)
    {
        lock (store.Sync)
        {
            var obj = Incoming(resource, ns, body, urlName: null);
            return CreateCore(resource, obj, applyEntries: null, write);
        }
    }

    /// <summary>
    /// Creates under the lock. A plain create gives the creator every field of the (defaulted) object; a create
    /// through apply passes the applier's entries instead.
    /// </summary>
    private WriteOutcome CreateCore(ResolvedResource resource, JsonObject obj, List<ManagedFieldsEntry>? applyEntries, WriteOptions write)
    {
        var definition = resource.Definition;
        var metadata = Meta.Of(obj);
        var ns = Meta.Namespace(obj);
        if (definition.Namespaced)
        {
            CheckNamespaceAcceptsContent(definition, ns!, Meta.Name(obj) ?? JsonTree.GetString(metadata["generateName"]) ?? "");
        }

        if (string.IsNullOrEmpty(Meta.Name(obj)) && JsonTree.GetString(metadata["generateName"]) is { Length: > 0 } prefix)
        {
            metadata["name"] = GenerateName(definition, ns, prefix);
        }

        var name = Meta.Name(obj) ?? "";
        metadata.Remove("resourceVersion");
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata.Remove("selfLink");
        metadata["uid"] = NewUid();
        metadata["creationTimestamp"] = Now();
        metadata["generation"] = 1;

        // Resources with a status subresource ignore status on create (nodes excepted: kubelets create them whole).
        if (resource.Version.HasStatusSubresource && definition.GroupResource != "nodes")
        {
            obj.Remove("status");
        }

        obj["apiVersion"] = definition.ApiVersionFor(definition.StorageVersion.Name);
        Normalize(resource, obj, null, creating: true);
        var scope = resource.Version.HasStatusSubresource ? FieldScope.Main : FieldScope.All;
        var entries = applyEntries
            ?? ManagedFields.RecordUpdate([], null, obj, write.Manager, resource.ApiVersion, null, scope, resource.Version.Shape, Now());
        ManagedFields.Write(obj, entries);

        var key = KeyFor(definition, ns, name);
        if (store.Find(key) is not null)
        {
            throw ApiErrors.AlreadyExists(definition, name);
        }

        var stored = JsonTree.Ordered(obj);
        if (write.DryRun)
        {
            return new WriteOutcome(Present(resource, stored), Committed: false, 201);
        }

        store.Commit(key, stored, WatchEventType.Added);
        AfterWrite(definition, stored);
        return new WriteOutcome(Present(resource, stored), Committed: true, 201);
    }

    /// <summary>
    /// Defaults, prunes and validates a new state (create or update), in the order of the real server:
    /// built-in defaults or CRD pruning and defaulting, then metadata and schema validation.
    /// </summary>
    private void Normalize(ResolvedResource resource, JsonObject obj, JsonObject? old, bool creating)
    {
        var definition = resource.Definition;
        var violations = new List<FieldViolation>();
        if (resource.Version.Schema is { } schema)
        {
            schema.PruneAndDefault(obj);
            violations.AddRange(schema.Validate(obj, old));
        }
        else
        {
            BuiltInDefaults.Apply(definition, obj, creating, AllocateClusterIp);
        }

        violations.InsertRange(0, MetadataValidation.Validate(definition, obj));
        if (definition.GroupResource == CustomResourceDefinitions.Resource)
        {
            violations.AddRange(CustomResourceDefinitions.Validate(obj));
            if (violations.Count == 0)
            {
                CustomResourceDefinitions.SetStatus(obj, old, Now());
            }
        }

        if (violations.Count > 0)
        {
            throw ApiErrors.Invalid(definition, Meta.Name(obj) ?? "", violations);
        }
    }

    /// <summary>Checks and completes apiVersion, kind, namespace and name of a request body.</summary>
    private static JsonObject Incoming(ResolvedResource resource, string? ns, JsonObject body, string? urlName)
    {
        var obj = JsonTree.Clone(body);
        var definition = resource.Definition;
        var apiVersion = JsonTree.GetString(obj["apiVersion"]);
        var kind = JsonTree.GetString(obj["kind"]);
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != resource.ApiVersion)
        {
            throw ApiErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({resource.ApiVersion})");
        }

        if (!string.IsNullOrEmpty(kind) && kind != definition.Kind)
        {
            throw ApiErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({definition.Kind})");
        }

        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = definition.Kind;
        var metadata = Meta.Of(obj);
        if (definition.Namespaced)
        {
            var bodyNs = JsonTree.GetString(metadata["namespace"]);
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
        }
        else
        {
            metadata.Remove("namespace");
        }

        var bodyName = JsonTree.GetString(metadata["name"]);
        if (urlName is not null)
        {
            if (!string.IsNullOrEmpty(bodyName) && bodyName != urlName)
            {
                throw ApiErrors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({urlName})");
            }

            metadata["name"] = urlName;
        }

        return obj;
    }

    private void CheckNamespaceAcceptsContent(ResourceDefinition definition, string ns, string name)
    {
        var namespaceObject = store.Find(new ObjectKey("namespaces", null, ns));
        if (namespaceObject is null)
        {
            if (options.RequireNamespaces)
            {
                throw ApiErrors.NotFound("namespaces", ns);
            }

            return;
        }

        if (Meta.IsTerminating(namespaceObject))
        {
            throw ApiErrors.Forbidden(definition, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private string GenerateName(ResourceDefinition definition, string? ns, string prefix)
    {
        // The real server truncates the prefix so that prefix + 5 random characters fit in 63.
        var basePrefix = prefix.Length > 58 ? prefix[..58] : prefix;
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var suffix = new string(Enumerable.Range(0, 5).Select(_ => GeneratedNameAlphabet[random.Next(GeneratedNameAlphabet.Length)]).ToArray());
            var candidate = basePrefix + suffix;
            if (store.Find(KeyFor(definition, ns, candidate)) is null)
            {
                return candidate;
            }
        }

        throw ApiErrors.AlreadyExists(definition, basePrefix + "*");
    }

    private string NewUid()
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString("D");
    }

    private string AllocateClusterIp()
    {
        var n = nextClusterIp++;
        return string.Create(CultureInfo.InvariantCulture, $"10.96.{n / 256 % 256}.{n % 256}");
    }

    private static long ParseVersion(string? text, string field) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw ApiErrors.BadRequest($"invalid {field}: \"{text}\"");

    /// <summary>Side effects of a committed create or update: CRDs start (or change) serving their resource.</summary>
    private void AfterWrite(ResourceDefinition definition, JsonObject stored)
    {
        if (definition.GroupResource == CustomResourceDefinitions.Resource)
        {
            registry.Register(CustomResourceDefinitions.ToDefinition(stored));
        }
    }
}
