using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.InProcess.Qdrant;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Watching;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Seams;

namespace RagOperator.Sandbox;

/// <summary>
/// Plays the Qdrant pods: one <see cref="InProcessQdrantServer"/> per shard StatefulSet, started when the set appears,
/// with the API key its pods would get (the <c>QDRANT__SERVICE__API_KEY</c> secretKeyRef of the pod template, read
/// from the Secret), and stopped when the set is deleted. Also the operator's <see cref="IShardEndpointResolver"/>:
/// a shard's endpoint is reserved (a free loopback port) the first time it is asked for, so the routing table can be
/// published before the server runs and never changes afterwards.
/// <para>The shard's pods are the peers of the server's Qdrant cluster (<see cref="SandboxPeers"/>): a pod that goes away
/// takes its peer down (its replicas Dead) and its replacement brings it back (the replicas recover).</para>
/// <para>Differences from a real cluster: one server stands for all replicas of a shard (no Raft, no real
/// replication: every replica serves the one copy of the data, the replica states gate what it answers); deleting a StatefulSet drops its data, as if its volumes were deleted too; a rotated Secret (API key or
/// certificate) is not picked up by a running server. With a shared server (<see cref="SandboxOptions.SharedQdrant"/>) every shard is that
/// one server, which outlives the StatefulSets.</para>
/// </summary>
public sealed class SandboxShards : IShardEndpointResolver, IAsyncDisposable
{
    private readonly IKubernetesClient client;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, int> ports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> grpcPorts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InProcessQdrantServer> servers = new(StringComparer.Ordinal);
    private readonly Channel<string> changes = Channel.CreateUnbounded<string>();
    private readonly Informer<StatefulSet> sets;
    private readonly Informer<Pod> pods;
    private readonly SandboxPeers peers = new();
    private readonly Task podInformerLoop;
    private readonly CancellationTokenSource stop = new();
    private readonly Task informerLoop;
    private readonly Task worker;

    private readonly InProcessQdrantServer? shared;

    /// <param name="shared">When set, every shard is this server (see <see cref="SandboxOptions.SharedQdrant"/>); disposed with this.</param>
    public SandboxShards(IKubernetesClient client, ILogger? logger = null, InProcessQdrantServer? shared = null)
    {
        this.client = client;
        this.shared = shared;
        this.logger = logger ?? NullLogger.Instance;
        sets = new Informer<StatefulSet>(client, new InformerOptions { LabelSelector = $"{Labels.Component}={Labels.ShardComponent},{Labels.ManagedBy}={Labels.ManagedByValue}" });
        sets.AddEventHandler(
            onAdd: set => changes.Writer.TryWrite(ObjectKey.Of(set)),
            onUpdate: (_, set) => changes.Writer.TryWrite(ObjectKey.Of(set)),
            onDelete: set => changes.Writer.TryWrite(ObjectKey.Of(set)));
        informerLoop = sets.RunAsync(stop.Token);

        // The shard pods are the peers of the shard's Qdrant cluster (see SandboxPeers).
        pods = new Informer<Pod>(client, new InformerOptions { LabelSelector = $"{Labels.Component}={Labels.ShardComponent},{Labels.ManagedBy}={Labels.ManagedByValue}" });
        pods.AddEventHandler(
            onAdd: pod => EnqueueSetOf(pod),
            onUpdate: (_, pod) => EnqueueSetOf(pod),
            onDelete: pod => EnqueueSetOf(pod));
        podInformerLoop = pods.RunAsync(stop.Token);
        worker = Task.Run(() => WorkAsync(stop.Token));
    }

    /// <summary>The running shard servers by <c>namespace/&lt;collection&gt;-shard-&lt;i&gt;</c>.</summary>
    public IReadOnlyDictionary<string, InProcessQdrantServer> Servers => servers;

    public async Task WaitForSyncAsync(CancellationToken cancellationToken)
    {
        await sets.WaitForSyncAsync(cancellationToken);
        await pods.WaitForSyncAsync(cancellationToken);
    }

    /// <summary>
    /// The shard's endpoint: https when the collection has TLS on, for its server then serves the certificate its pods
    /// mount. The shared server serves clear text whatever spec.tls says.
    /// </summary>
    public Uri Resolve(string @namespace, string collection, int shard, bool tls)
    {
        if (shared is not null) return new Uri($"http://127.0.0.1:{shared.BaseUri.Port}");
        var port = ports.GetOrAdd(Key(@namespace, ChildNames.Shard(collection, shard)), _ => FreePort());
        return new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{port}");
    }

    /// <summary>
    /// The gRPC endpoint of the shard whose REST endpoint is <paramref name="rest"/>: a port reserved beside its REST
    /// port (a real shard serves gRPC on 6334 of the same host). Unknown endpoints get Qdrant's default.
    /// </summary>
    public Uri GrpcAddress(Uri rest)
    {
        if (shared is not null) return shared.GrpcUri;
        foreach (var (key, port) in ports)
        {
            if (port == rest.Port) return new Uri($"{rest.Scheme}://127.0.0.1:{grpcPorts.GetOrAdd(key, _ => FreePort())}");
        }

        return Qdrant.QdrantClientOptions.DefaultGrpcAddress(rest);
    }

    /// <summary>
    /// Replaces a running shard's server with an empty one on the same endpoint that serves <paramref name="certificate"/>
    /// instead of the certificate its pods mount: what the operator and routers meet when something else answers at
    /// the shard's address (or its Secret was replaced by a certificate of another CA). The StatefulSet is untouched.
    /// </summary>
    public async Task<InProcessQdrantServer> ServeCertificateAsync(string @namespace, string collection, int shard, X509Certificate2 certificate, CancellationToken cancellationToken = default)
    {
        if (shared is not null) throw new InvalidOperationException("the shared server serves clear text");
        var key = Key(@namespace, ChildNames.Shard(collection, shard));
        var set = sets.Get(key) ?? throw new InvalidOperationException($"StatefulSet {key} does not exist");
        if (servers.TryRemove(key, out var running)) await running.DisposeAsync();
        var server = await InProcessQdrantServer.StartAsync(
            new InProcessQdrantOptions { Port = ports[key], GrpcPort = grpcPorts.GetOrAdd(key, _ => FreePort()), ApiKey = await ApiKeyAsync(set, cancellationToken), Certificate = certificate }, cancellationToken);
        servers[key] = server;
        return server;
    }

    /// <summary>The server of a shard, or null when its StatefulSet does not exist (yet).</summary>
    public InProcessQdrantServer? Server(string @namespace, string collection, int shard) =>
        servers.GetValueOrDefault(Key(@namespace, ChildNames.Shard(collection, shard)));

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        changes.Writer.TryComplete();
        await StoppedTasks.WaitAsync(informerLoop, podInformerLoop, worker);
        foreach (var server in servers.Values.Append(shared).OfType<InProcessQdrantServer>().Distinct()) await server.DisposeAsync();
        servers.Clear();
        stop.Dispose();
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var key in changes.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await ConvergeAsync(key, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Sandbox shard {Key}: {Error}; retrying", key, e.Message);
                _ = RetryLaterAsync(key, cancellationToken);
            }
        }
    }

    private async Task RetryLaterAsync(string key, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        changes.Writer.TryWrite(key);
    }

    private async Task ConvergeAsync(string key, CancellationToken cancellationToken)
    {
        var set = sets.Get(key);
        if (shared is not null)
        {
            if (set is null) servers.TryRemove(key, out _);
            else servers[key] = shared;
            return;
        }

        if (set is null)
        {
            peers.Forget(key);
            if (servers.TryRemove(key, out var gone))
            {
                await gone.DisposeAsync();
                logger.LogInformation("Sandbox stopped Qdrant for {Key}", key);
            }

            return;
        }

        if (servers.TryGetValue(key, out var running))
        {
            SyncPeers(key, set, running);
            return;
        }

        var apiKey = await ApiKeyAsync(set, cancellationToken);
        // Kestrel serves it for the server's life, so it is not disposed here.
        var certificate = await CertificateAsync(set, cancellationToken);
        var port = ports.GetOrAdd(key, _ => FreePort());
        InProcessQdrantServer server;
        try
        {
            var grpcPort = grpcPorts.GetOrAdd(key, _ => FreePort());
            server = await InProcessQdrantServer.StartAsync(
                new InProcessQdrantOptions { Port = port, GrpcPort = grpcPort, ApiKey = apiKey, Certificate = certificate }, cancellationToken);
        }
        catch (IOException)
        {
            // A reserved port was taken in between; take others (the routing table follows the new endpoint).
            ports[key] = FreePort();
            grpcPorts[key] = FreePort();
            throw;
        }

        servers[key] = server;
        logger.LogInformation("Sandbox started Qdrant for {Key} at {Uri}", key, server.BaseUri);
        SyncPeers(key, set, server);
    }

    /// <summary>The API key the shard's pods would see, from the template's secretKeyRef.</summary>
    private async Task<string?> ApiKeyAsync(StatefulSet set, CancellationToken cancellationToken)
    {
        var reference = set.Spec.Template.Spec.Containers
            .SelectMany(c => c.Env ?? [])
            .FirstOrDefault(e => e.Name == "QDRANT__SERVICE__API_KEY")?.ValueFrom?.SecretKeyRef;
        if (reference is null) return null;
        var secret = await client.GetAsync<Secret>(reference.Name, set.Metadata.Namespace, cancellationToken);
        return secret.Data?.TryGetValue(reference.Key, out var value) == true
            ? Encoding.UTF8.GetString(value)
            : throw new InvalidOperationException($"Secret {reference.Name} has no key {reference.Key}");
    }

    /// <summary>
    /// The certificate the shard's pods serve when the template turns TLS on (<c>QDRANT__SERVICE__ENABLE_TLS</c>):
    /// read from the files <c>QDRANT__TLS__CERT</c> and <c>QDRANT__TLS__KEY</c> name, inside the Secret volume the
    /// template mounts, as Qdrant reads them. Null for clear text.
    /// </summary>
    private async Task<X509Certificate2?> CertificateAsync(StatefulSet set, CancellationToken cancellationToken)
    {
        var pod = set.Spec.Template.Spec;
        var container = pod.Containers.First();
        string? Env(string name) => container.Env?.FirstOrDefault(e => e.Name == name)?.Value;
        if (!string.Equals(Env("QDRANT__SERVICE__ENABLE_TLS"), "true", StringComparison.OrdinalIgnoreCase)) return null;
        using var files = await SandboxPodFiles.ProjectAsync(client, set.Metadata.Namespace!, pod, container, cancellationToken);
        var certificateFile = files.Translate(Env("QDRANT__TLS__CERT")) ?? throw new InvalidOperationException("TLS is on but QDRANT__TLS__CERT is not set");
        var keyFile = files.Translate(Env("QDRANT__TLS__KEY")) ?? throw new InvalidOperationException("TLS is on but QDRANT__TLS__KEY is not set");
        return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
    }

    private static string Key(string @namespace, string name) => ObjectKey.Of(@namespace, name);

    private void EnqueueSetOf(Pod pod)
    {
        var labels = pod.Metadata.Labels;
        if (labels is null || !labels.TryGetValue(Labels.Collection, out var collection) || !labels.TryGetValue(Labels.Shard, out var shardText)
            || !int.TryParse(shardText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shard))
        {
            return;
        }

        changes.Writer.TryWrite(Key(pod.Metadata.Namespace!, ChildNames.Shard(collection, shard)));
    }

    private void SyncPeers(string key, StatefulSet set, InProcessQdrantServer server)
    {
        var name = set.Metadata.Name!;
        var ns = set.Metadata.Namespace!;
        peers.Sync(key, ns, name, server, pods.List(ns).Where(p => p.Metadata.Name?.StartsWith(name + "-", StringComparison.Ordinal) == true));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
