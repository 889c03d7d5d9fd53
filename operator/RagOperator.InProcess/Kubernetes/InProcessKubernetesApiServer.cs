using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// A Kubernetes API server in the test process: Kestrel on 127.0.0.1 (ephemeral port), speaking the real REST
/// protocol as JSON over HTTP/1.1 — resource paths under /api/v1 and /apis/{group}/{version} (namespaced,
/// cluster-scoped, collections, items, /status), metav1.Status errors, resourceVersion and generation,
/// optimistic concurrency, merge / JSON / strategic merge patches, server-side apply with managed fields,
/// label and field selectors, paginated lists, watches with bookmarks and 410 Gone, finalizers, owner-reference
/// garbage collection, CRDs with structural-schema pruning, defaulting and validation (CEL included).
/// </summary>
/// <remarks>
/// Where it differs from a real kube-apiserver (by design, for tests):
/// <list type="bullet">
/// <item>Transport: plain HTTP unless <see cref="InProcessApiServerOptions.ServerCertificate"/> is set; no authentication unless <see cref="InProcessApiServerOptions.AcceptsBearerToken"/> is set
/// (then bearer tokens it accepts, 401 otherwise; no client-certificate users); no authorization (RBAC objects are stored, not enforced); no admission webhooks.</item>
/// <item>Encoding: JSON only (requests may also be YAML); no protobuf, no Table output (kubectl falls back to JSON); list
/// items always carry apiVersion and kind (the real server omits them for built-in kinds).</item>
/// <item>Discovery: legacy documents only (/api, /apis, /apis/{group}/{version}, /version); no aggregated discovery and no /openapi.</item>
/// <item>Built-in kinds: stored generically — metadata is validated (names, labels, annotations) and a few defaults are
/// filled in (<see cref="BuiltInDefaults"/>), nothing else of their schema is validated. Pods are deleted at once (no grace
/// period, no kubelet) — the <see cref="WorkloadSimulator"/> plays the controllers and the kubelet. core/v1 and
/// events.k8s.io/v1 Events are stored separately. No scale subresource.</item>
/// <item>Namespaces need not exist unless <see cref="InProcessApiServerOptions.RequireNamespaces"/>; deleting a namespace
/// deletes its content synchronously; creating in a terminating namespace is forbidden (403) as on a real cluster.</item>
/// <item>generation is set on every object (the real server sets it only for kinds with a spec/status split); it moves when
/// spec changes for built-ins, and when anything but metadata (and status, with a status subresource) changes for custom resources.</item>
/// <item>resourceVersion is one global counter; every served version of a CRD shows the same stored object with its
/// apiVersion rewritten (the "None" conversion); defaults are applied on write, not again on read.</item>
/// <item>Updates of custom resources must carry metadata.resourceVersion (as on the real server); built-ins accept
/// unconditional updates; PUT never creates. A resourceVersion sent on create is ignored instead of rejected.</item>
/// <item>Strategic merge patch: honours the built-in merge keys of <see cref="BuiltInShape"/> and the $patch, $retainKeys and
/// $deleteFromPrimitiveList directives; $setElementOrder is ignored; custom resources get 415 as on the real server.</item>
/// <item>Server-side apply: see <see cref="ServerSideApply"/> for how the merge differs from structured-merge-diff. Client-sent
/// managedFields are ignored (the server always computes ownership).</item>
/// <item>Lists: resourceVersionMatch=Exact and continue tokens are served from a snapshot rebuilt from the event history
/// (410 Expired once compacted); a list with a resourceVersion newer than the latest returns the latest instead of waiting.</item>
/// <item>Watch: a start version of "0" is treated like an absent one (current state as ADDED events, then changes);
/// bookmarks come every <see cref="InProcessApiServerOptions.BookmarkInterval"/> of quiet; sendInitialEvents is honoured as
/// "current state, then a bookmark annotated k8s.io/initial-events-end".</item>
/// <item>Garbage collection and finalizer processing (orphan, foregroundDeletion) run synchronously inside the request that
/// removed the owner, not in a background controller; a dependent created with an owner reference to an object that never
/// existed is not collected. Deleting a CRD removes its objects without waiting for their finalizers.</item>
/// <item>Faults come from <see cref="Faults"/> and only affect HTTP requests, never the workload simulator. A dropped watch
/// ends with the connection closing in the middle of the chunked body (the client sees a premature end of the response)
/// after the events already written have left, rather than with a TCP reset that could destroy them.</item>
/// </list>
/// </remarks>
public sealed class InProcessKubernetesApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ApiOperations operations;
    private readonly ServerActivity activity;
    private readonly CancellationTokenSource stopping;
    private int disposed;

    private InProcessKubernetesApiServer(WebApplication app, ApiOperations operations, ServerActivity activity, FaultInjector faults, CancellationTokenSource stopping, InProcessApiServerOptions options)
    {
        this.app = app;
        this.operations = operations;
        this.activity = activity;
        this.stopping = stopping;
        Faults = faults;
        Options = options;
    }

    /// <summary>http://127.0.0.1:&lt;port&gt;</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    public InProcessApiServerOptions Options { get; }

    public FaultInjector Faults { get; }

    /// <summary>Direct access to storage for assertions.</summary>
    public ObjectStore Store => operations.Store;

    /// <summary>
    /// Successful HTTP requests that changed storage (committed at least one write). A no-op update, patch or apply
    /// does not count — so "a reconcile of an unchanged object writes nothing" is <c>WriteCount</c> not moving. Writes of
    /// the workload simulator are not requests and do not count.
    /// </summary>
    public long WriteCount => activity.WriteCount;

    /// <summary>Successful mutating HTTP requests (create, update, patch, apply, delete), no-ops included.</summary>
    public long MutatingRequestCount => activity.MutatingRequestCount;

    /// <summary>The recent requests (up to 10,000), oldest first.</summary>
    public IReadOnlyList<RequestRecord> Requests => activity.Requests;

    /// <summary>Watches currently streaming.</summary>
    public int OpenWatchCount => activity.OpenWatchCount;

    internal ApiOperations Operations => operations;

    public static async Task<InProcessKubernetesApiServer> StartAsync(InProcessApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InProcessApiServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen =>
            {
                if (options.ServerCertificate is { } certificate) listen.UseHttps(certificate);
            });
            kestrel.AllowSynchronousIO = false;
            kestrel.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();

        var store = new ObjectStore(options.HistoryLimit);
        var registry = new ResourceRegistry();
        var operations = new ApiOperations(registry, store, options);
        var activity = new ServerActivity();
        var stopping = new CancellationTokenSource();
        var faults = new FaultInjector(options.Seed, activity.DropOpenWatches);
        var handler = new ApiRequestHandler(operations, faults, activity, options, stopping.Token);
        var server = new InProcessKubernetesApiServer(app, operations, activity, faults, stopping, options);
        app.Run(handler.HandleAsync);

        foreach (var ns in options.InitialNamespaces)
        {
            server.CreateInternal("namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    /// <summary>Serves a CRD (create, or update when it exists), as a POST to /apis/apiextensions.k8s.io/v1/customresourcedefinitions would.</summary>
    public void RegisterCustomResourceDefinition(JsonObject crd)
    {
        var resource = operations.Registry.Resolve("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        var name = Meta.Name(crd) ?? throw new ArgumentException("the CRD has no metadata.name", nameof(crd));
        var existing = Store.Get(CustomResourceDefinitions.Resource, null, name);
        if (existing is null)
        {
            operations.Create(resource, null, crd, new WriteOptions("test-setup"));
        }
        else
        {
            var update = JsonTree.Clone(crd);
            Meta.Of(update)["resourceVersion"] = Meta.ResourceVersion(existing);
            operations.Update(resource, null, name, update, null, new WriteOptions("test-setup"));
        }
    }

    /// <summary>Serves every CRD in a (multi-document) YAML manifest, such as the files under crds/.</summary>
    public void RegisterCustomResourceDefinitions(string yaml)
    {
        foreach (var document in YamlJson.ParseAll(yaml).OfType<JsonObject>())
        {
            RegisterCustomResourceDefinition(document);
        }
    }

    /// <summary>Drops the event history: watches and exact lists from older resourceVersions now get 410 Gone.</summary>
    public void Compact() => Store.Compact();

    /// <summary>Creates an object directly (no HTTP, no faults, not counted): test setup such as Nodes or Secrets.</summary>
    public JsonObject Seed(string resource, JsonObject obj) => CreateInternal(resource, obj);

    private JsonObject CreateInternal(string resource, JsonObject obj)
    {
        var definition = operations.Registry.Find(resource) ?? throw new ArgumentException($"unknown resource {resource}", nameof(resource));
        var resolved = new ResolvedResource(definition, definition.StorageVersion);
        return operations.Create(resolved, Meta.Namespace(obj) ?? (definition.Namespaced ? "default" : null), obj, new WriteOptions("test-setup")).Object;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync();
        Store.CloseAllWatches();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }
}
