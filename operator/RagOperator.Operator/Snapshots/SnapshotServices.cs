using System.Text;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Seams;
using IQdrantAdminClient = RagOperator.Qdrant.IQdrantAdminClient;
using RagOperator.Routing;

namespace RagOperator.Operator.Snapshots;

/// <summary>Timings and limits of the snapshot and restore controllers.</summary>
public sealed record SnapshotSettings
{
    /// <summary>How often a snapshot or restore that waits (for a migration, a collection, shards) looks again.</summary>
    public TimeSpan WaitRecheck { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First retry delay after a failed attempt; doubles per failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed attempts after which a snapshot or restore is Failed for good.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Where a snapshot whose Qdrant description has no checksum is buffered to compute one.</summary>
    public string TemporaryDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "rag-operator-snapshots");

    public TimeSpan RetryDelay(int failedAttempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, RetryBase.Ticks * (1L << Math.Clamp(failedAttempts - 1, 0, 20))));
}

/// <summary>The collaborators of the snapshot, restore and schedule controllers; one instance for the operator's lifetime.</summary>
public sealed class SnapshotServices(
    IKubernetesClient client,
    IClusterView view,
    ISnapshotStoreFactory stores,
    IQdrantClientFactory qdrant,
    ISnapshotPeerResolver peers,
    IEventSink events,
    SnapshotSettings? settings = null,
    TimeProvider? time = null)
{
    public IKubernetesClient Client { get; } = client;

    public IClusterView View { get; } = view;

    public ISnapshotStoreFactory Stores { get; } = stores;

    public IQdrantClientFactory Qdrant { get; } = qdrant;

    public ISnapshotPeerResolver Peers { get; } = peers;

    public IEventSink Events { get; } = events;

    public SnapshotSettings Settings { get; } = settings ?? new SnapshotSettings();

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    /// <summary>The admin half of the Qdrant client of one shard's snapshot peer.</summary>
    /// <param name="trust">The collection's CAs when its shards serve TLS (<see cref="Tls.CollectionTrust"/>), else null.</param>
    public IQdrantAdminClient Admin(string @namespace, string collection, int shard, string? apiKey, Qdrant.Tls.TrustBundle? trust) =>
        Qdrant.Get(Peers.Resolve(@namespace, collection, shard, trust is not null), apiKey, trust) as IQdrantAdminClient
            ?? throw new InvalidOperationException("the Qdrant client factory returned a client without the snapshot endpoints");

    /// <summary>
    /// The routing table as published right now, read from the API server (not the informer cache): the consistency
    /// check of a snapshot set must not be fooled by a cache that lags behind a new version.
    /// </summary>
    public async Task<RoutingTable?> ReadRoutingAsync(string @namespace, string collection, CancellationToken cancellationToken)
    {
        var map = await Client.TryGetAsync<ConfigMap>(ChildNames.RoutingConfigMap(collection), @namespace, cancellationToken);
        return map?.Data is not null && map.Data.TryGetValue(ChildNames.RoutingKey, out var json) && RoutingTable.TryParse(json, out var table, out _)
            ? table
            : null;
    }

    /// <summary>A Secret key's value; null when no selector is given; <see cref="SnapshotStorageException"/> when missing.</summary>
    public async Task<string?> ReadSecretAsync(string @namespace, SecretKeySelector? selector, string field, CancellationToken cancellationToken)
    {
        if (selector is null || selector.Name.Length == 0) return null;
        var secret = await Client.TryGetAsync<Secret>(selector.Name, @namespace, cancellationToken)
            ?? throw new SnapshotStorageException(Reasons.SecretNotFound,
                $"Secret {selector.Name} ({field}) does not exist in namespace {@namespace}; create it or fix {field}");
        return secret.Data?.TryGetValue(selector.Key, out var value) == true && value.Length > 0
            ? Encoding.UTF8.GetString(value)
            : throw new SnapshotStorageException(Reasons.SecretKeyNotFound, $"Secret {selector.Name} ({field}) has no non-empty key {selector.Key}");
    }
}

/// <summary>Phases and condition vocabulary of VectorSnapshot and VectorRestore.</summary>
public static class SnapshotPhases
{
    public const string Pending = "Pending";
    public const string WaitingForMigration = "WaitingForMigration";
    public const string Running = "Running";
    public const string CreatingCollection = "CreatingCollection";
    public const string WaitingForCollection = "WaitingForCollection";
    public const string Restoring = "Restoring";
    public const string Completed = "Completed";
    public const string Failed = "Failed";

    public static bool IsTerminal(string? phase) => phase is Completed or Failed;

    /// <summary>Condition types: Complete (the work is done) and Failed (refused or given up).</summary>
    public const string CompleteCondition = "Complete";
    public const string FailedCondition = "Failed";
}
