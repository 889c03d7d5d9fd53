using System.Diagnostics;
using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Demo.Measurement;
using RagOperator.Demo.Output;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Tls;
using RagOperator.Router;
using RagOperator.Routing;
using RagOperator.Workload;
using MigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Demo;

/// <summary>
/// What the demo reads from the running product: the in-process routers of the collection, its shards (straight
/// through Qdrant's REST API, with the shards' API key, verified against the collection's CA), its status and its
/// published routing table.
/// </summary>
/// <param name="trust">The collection's CAs (its <c>-ca</c> Secret); null when TLS is disabled.</param>
public sealed class DemoCluster(Sandbox.Sandbox sandbox, string collection, string? qdrantApiKey, TrustBundle? trust)
{
    public string Collection => collection;

    /// <summary>Shard servers are looked for up to this index (far above any count the demo accepts).</summary>
    private const int MaxShardIndex = 256;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Waits until <paramref name="replicas"/> routers run and every one serves at least <paramref name="version"/>.</summary>
    public async Task<IReadOnlyList<RouterHandle>> WaitForRoutersAsync(int replicas, long version, TimeSpan timeout, CancellationToken cancellationToken) =>
        await Sandbox.Sandbox.WaitForAsync<IReadOnlyList<RouterHandle>>(_ =>
        {
            var routers = sandbox.RoutersOf(collection);
            return Task.FromResult(routers.Count == replicas && routers.All(r => r.ServedVersion >= version) ? routers : null);
        }, timeout, $"{replicas} routers of {collection} serving routing v{version}", cancellationToken);

    /// <summary>
    /// Whether the collection's traffic is encrypted, told from what runs: the schemes the routers and the published
    /// shard endpoints serve, the certificates in status, and a handshake with every shard, verified against the CA.
    /// </summary>
    public async Task<string> DescribeTlsAsync(VectorCollection ready, IReadOnlyList<RouterHandle> routers, CancellationToken cancellationToken)
    {
        var table = routers[0].CurrentTable ?? throw new DemoFailedException("the routers serve no routing table");
        var httpsShards = table.Shards.Count(s => s.Endpoint.StartsWith("https://", StringComparison.Ordinal));
        var httpsRouters = routers.Count(r => r.BaseUri.Scheme == Uri.UriSchemeHttps);
        if (trust is null || httpsShards == 0)
        {
            return $"TLS is off ({ready.Status?.Tls?.Mode ?? ready.Spec.Tls.Mode.ToString()}): routers and shards serve clear text";
        }

        // A handshake with each shard that the CA does not validate throws here, before any data moves.
        await ScanAsync(cancellationToken);
        var certificates = ready.Status?.Tls?.Certificates ?? [];
        var renewal = certificates.Where(c => c.RenewAt is not null).Min(c => c.RenewAt);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"TLS on: {httpsRouters} of {routers.Count} routers and {httpsShards} of {table.Shards.Length} shards serve https with certificates from the collection's own CA " +
            $"(Secret {collection}-ca, {certificates.Count} certificates, first renewal {renewal:yyyy-MM-dd}); the operator, the routers and the demo's clients verify them against it, " +
            $"and the demo has just read every shard over a verified connection");
    }

    /// <summary>Every point on every running shard of the collection.</summary>
    public async Task<IReadOnlyDictionary<ulong, List<PointCopy>>> ScanAsync(CancellationToken cancellationToken)
    {
        var clients = new Dictionary<int, IQdrantClient>();
        try
        {
            for (var shard = 0; shard < MaxShardIndex; shard++)
            {
                if (sandbox.Shard(collection, shard) is { } server)
                {
                    clients[shard] = new QdrantShardClient(new QdrantClientOptions { BaseUri = server.BaseUri, GrpcUri = server.GrpcUri, ApiKey = qdrantApiKey }, trust);
                }
            }

            return await ShardScanner.ScanAsync(clients, collection, cancellationToken: cancellationToken);
        }
        finally
        {
            foreach (var client in clients.Values) ((IDisposable)client).Dispose();
        }
    }

    /// <summary>
    /// Polls the collection until its migration to <paramref name="toShards"/> is Done for the current generation,
    /// reporting a snapshot every poll. Throws <see cref="DemoFailedException"/> when it rolls back and
    /// <see cref="TimeoutException"/> (with the last status) when <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<MigrationStatus> FollowMigrationAsync(
        int toShards, WorkloadStats stats, PhaseTimeline timeline, Action<MigrationSnapshot> report, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        VectorCollection? last = null;
        while (true)
        {
            last = await sandbox.GetCollectionAsync(collection, cancellationToken: cancellationToken);
            var migration = last.Status?.Migration;
            var current = migration is not null && migration.ToShards == toShards && migration.TargetGeneration == last.Metadata.Generation;
            var published = await PublishedAsync(cancellationToken);
            var snapshot = Snapshot(last, current ? migration : null, published, stats, Stopwatch.GetElapsedTime(started));
            timeline.Observe(snapshot.Phase, snapshot.Elapsed);
            report(snapshot);
            if (current && migration!.Phase == MigrationPhase.Done) return migration;
            if (current && migration!.Phase is MigrationPhase.RollingBack or MigrationPhase.RolledBack)
            {
                throw new DemoFailedException($"migration {migration.Id} is {migration.Phase}: {migration.LastError ?? ConditionText(last)}");
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"the migration to {toShards} shards did not reach Done within {timeout.TotalSeconds:0} s; " +
                    $"last phase {migration?.Phase.ToString() ?? "none"}, last error {migration?.LastError ?? "none"}; conditions: {ConditionText(last)}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>The published routing table once it is stable with <paramref name="shards"/> owning shards.</summary>
    public Task<RoutingTable> StableTableAsync(int shards, TimeSpan timeout, CancellationToken cancellationToken) =>
        Sandbox.Sandbox.WaitForAsync<RoutingTable>(async token =>
        {
            var configMap = await sandbox.Client.GetAsync<ConfigMap>($"{collection}-routing", sandbox.Namespace, token);
            var table = configMap.Data is { } data && data.TryGetValue("routing.json", out var json) ? RoutingTable.Parse(json) : null;
            return table is { IsStable: true } && table.Shards.Count(s => !s.Cells.IsEmpty) == shards ? table : null;
        }, timeout, $"a stable routing table of {collection} with {shards} shards", cancellationToken);

    /// <summary>
    /// The version and read/write rule of the routing table in the ConfigMap: what the operator has published, which
    /// status.routing.activeVersion reports only after the operator's next status write.
    /// </summary>
    private async Task<(long Version, string? Rule)> PublishedAsync(CancellationToken cancellationToken)
    {
        var configMap = await sandbox.Client.TryGetAsync<ConfigMap>($"{collection}-routing", sandbox.Namespace, cancellationToken);
        if (configMap?.Data is not { } data || !data.TryGetValue("routing.json", out var json)) return (0, null);
        var document = JsonNode.Parse(json);
        return (document?["version"]?.GetValue<long>() ?? 0, document?["migration"]?["rule"]?.GetValue<string>());
    }

    private MigrationSnapshot Snapshot(VectorCollection current, MigrationStatus? migration, (long Version, string? Rule) published, WorkloadStats stats, TimeSpan elapsed) => new()
    {
        Phase = migration?.Phase.ToString() ?? "Pending",
        PointsCopied = migration?.Progress?.PointsCopied ?? 0,
        PointsEstimated = migration?.Progress?.PointsEstimated ?? 0,
        PointsPerSecond = migration?.Progress?.PointsPerSecond ?? 0,
        PublishedVersion = Math.Max(published.Version, current.Status?.Routing?.ActiveVersion ?? 0),
        Rule = published.Rule,
        RouterVersions = [.. sandbox.RoutersOf(collection).Select(r => r.ServedVersion)],
        WriteRequests = stats.WriteRequests,
        FailedWriteRequests = stats.FailedWriteRequests,
        Searches = stats.Searches,
        FailedSearches = stats.FailedSearches,
        Elapsed = elapsed,
    };

    private static string ConditionText(VectorCollection collection) =>
        string.Join("; ", collection.Status?.Conditions?.Select(c => $"{c.Type}={c.Status} ({c.Reason}: {c.Message})") ?? []);
}
