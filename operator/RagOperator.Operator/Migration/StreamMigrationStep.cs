using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Migration;

/// <summary>
/// The stream migration (DESIGN.md §5): moves cells between shards when <c>spec.shards</c> changes, without downtime
/// and without losing an acknowledged write. It is the last step of the reconcile chain, so the shards (including
/// the new ones of a scale-out), their Qdrant collections, the routing table and the routers are reconciled first.
/// <para><b>Protocol</b> (phases in <c>status.migration.phase</c>; decisions by the pure
/// <see cref="Routing.MigrationStateMachine"/>; the phase is recorded before its action runs):</para>
/// <list type="number">
/// <item>Planned — trigger: <c>spec.shards</c> differs from the shard count of the stable routing table and no
/// migration runs. <see cref="Routing.RebalancePlanner"/> plans the fewest cell moves; status records id, from/to
/// shards, the routing version it starts from, the target generation, and every move (state Pending).</item>
/// <item>ScalingOut — the reconciler already creates the new shards' StatefulSets (it keeps
/// max(spec.shards, table shards) shards) and their Qdrant collections; the migration waits until they are ready.</item>
/// <item>Publish v+1, ReadOldWriteBoth (new shards listed, owning nothing yet; moves listed); wait until every ready
/// router serves it (<c>servedVersion</c>: no request routed by an older table still in flight).</item>
/// <item>Copying — <see cref="CellCopier"/> per move: filtered scroll of the source from the move's checkpoint, guarded
/// upserts of what is newer than the target, next scroll in flight while a batch is written, token bucket at
/// <c>rebalance.maxPointsPerSecond</c>, pages of <c>rebalance.batchSize</c>. Every batch is checkpointed in
/// <c>status.migration.moves[i]</c> (checkpoint = next offset, pointsCopied); a move that finished is Copied and is never
/// copied again. One reconcile does about <see cref="StreamMigrationOptions.WorkBudget"/> of work, then requeues at once.</item>
/// <item>Verifying — <see cref="CellVerifier"/> per move, repairing every difference; passes repeat until one finds none
/// (passes and repairs in status).</item>
/// <item>CuttingOver — publish ReadNewWriteBoth, wait for acks. Finalizing — publish ReadNewWriteNew, wait for acks.</item>
/// <item>CleaningUp — delete the moved cells from the sources (delete by filter), publish the stable table with the new
/// ownership (drained shards left out), wait for acks; on scale-in only now delete the drained shards' StatefulSets,
/// Services and PodDisruptionBudgets. Done (completedAt, summary Event).</item>
/// </list>
/// <para><b>Spec changes</b> during a migration are queued: it runs to its recorded <c>toShards</c>; the next reconcile
/// after Done plans the next one from the newest spec. <b>Cancel</b>: the annotation
/// <c>ragoperator.io/migration=cancel</c> before CuttingOver rolls back (stable old ownership published with a higher
/// version, acks, copied cells deleted from the targets, added shards removed unless spec.shards still asks for them,
/// RolledBack); from CuttingOver on it is refused — routers already read the new owners, so the old ones may miss
/// acknowledged writes — and the migration finishes. While the annotation is set no new migration starts.</para>
/// <para><b>Failures</b>: a Qdrant, router or API error ends the reconcile with a retry after an exponential backoff
/// (<c>status.migration.consecutiveFailures</c>, <c>lastError</c>) and shows in the Rebalancing condition (reason
/// ShardUnavailable or ApiError, message naming the shard). Every step is idempotent, so a retry — or an operator
/// restarted at any point — continues from status.</para>
/// </summary>
public sealed class StreamMigrationStep(StreamMigrationOptions? options = null, MigrationMetrics? metrics = null) : IMigrationStep
{
    /// <summary>The annotation that cancels a migration (value <see cref="CancelValue"/>).</summary>
    public const string CancelAnnotation = "ragoperator.io/migration";

    public const string CancelValue = "cancel";

    private readonly ConcurrentDictionary<(string Namespace, string Name), MigrationMemory> memories = new();

    public string Name => "migration";

    public StreamMigrationOptions Options { get; } = options ?? new StreamMigrationOptions();

    public MigrationMetrics Metrics { get; } = metrics ?? new MigrationMetrics();

    public static bool IsCancelRequested(VectorCollection collection) =>
        collection.Metadata.Annotations?.TryGetValue(CancelAnnotation, out var value) == true
        && string.Equals(value?.Trim(), CancelValue, StringComparison.OrdinalIgnoreCase);

    public static bool IsTerminal(ApiMigrationPhase phase) => phase is ApiMigrationPhase.Done or ApiMigrationPhase.RolledBack;

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var table = context.Table;
        if (table is null) return StepResult.Continue;
        var recorded = context.Collection.Status?.Migration;
        var running = recorded is not null && !IsTerminal(recorded.Phase);
        if (!running && table.IsStable && table.Shards.Length == context.Spec.Shards
            && !SemanticSharding.WantsAttention(context.Collection, table, context.Facts.Shards.Select(s => s.Points), context.Services.Time.GetUtcNow(), Options.SemanticDriftCheckInterval))
        {
            // Steady state, judged from the informer cache: no request unless a drained shard was left behind.
            Report.Idle(context, recorded);
            if (recorded is not null) Metrics.Observe(context.Namespace, context.Name, recorded.Phase, 0);
            await RemoveOrphanShardsAsync(context, cancellationToken);
            return StepResult.Continue;
        }

        var memory = memories.GetOrAdd((context.Namespace, context.Name), _ => new MigrationMemory());
        var run = new MigrationRun(context, this, memory);
        return await run.RunAsync(cancellationToken);
    }

    /// <summary>
    /// Shards beyond both spec.shards and the routing table (a drained shard the reconciler re-created from a cache
    /// that had not yet seen the stable table) are deleted once the fresh routing table confirms nobody routes to them.
    /// </summary>
    private static async Task RemoveOrphanShardsAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var keep = Math.Max(context.Spec.Shards, context.Table?.Shards.Max(s => s.Id) + 1 ?? 0);
        var orphans = context.Services.View.OwnedBy<StatefulSet>(context.Namespace, context.Collection.Metadata.Uid ?? "")
            .Where(set => Owners.IsControlledBy(set, context.Collection.Metadata.Uid))
            .Select(set => ShardIndex(context.Name, set))
            .OfType<int>()
            .Where(index => index >= keep)
            .ToList();
        if (orphans.Count == 0) return;
        var fresh = await MigrationRun.ReadRoutingTableAsync(context, cancellationToken);
        if (fresh is null || !fresh.IsStable) return;
        var freshKeep = Math.Max(context.Spec.Shards, fresh.Shards.Max(s => s.Id) + 1);
        foreach (var index in orphans.Where(i => i >= freshKeep))
        {
            context.Logger.LogInformation("Removing shard {Shard}: no routing table names it and spec.shards is {Shards}", index, context.Spec.Shards);
            await ShardRemoval.RemoveAsync(context, index, cancellationToken);
        }
    }

    internal static int? ShardIndex(string collection, StatefulSet set) =>
        set.Metadata.Labels?.TryGetValue(Labels.Shard, out var text) == true
        && set.Metadata.Name == ChildNames.Shard(collection, int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1)
            ? index
            : null;

    internal void Forget(ReconcileContext context) => memories.TryRemove((context.Namespace, context.Name), out _);
}

/// <summary>What the step remembers about a collection between reconciles (nothing it needs for correctness).</summary>
internal sealed class MigrationMemory
{
    public string? MigrationId { get; set; }

    public TokenBucket? Limiter { get; set; }

    public int LimiterRate { get; set; }

    /// <summary>Copy rate, smoothed over reconciles (points per second).</summary>
    public double Rate { get; set; }

    /// <summary>The last tenth of the copy reported in an Event.</summary>
    public int LastDecile { get; set; } = -1;

    public string? LastErrorEvent { get; set; }

    public bool CancelRefusedReported { get; set; }

    public void Reset(string migrationId)
    {
        if (MigrationId == migrationId) return;
        MigrationId = migrationId;
        Rate = 0;
        LastDecile = -1;
        LastErrorEvent = null;
        CancelRefusedReported = false;
    }
}

/// <summary>Deletes a shard's StatefulSet, Services and PodDisruptionBudget (its volumes follow the StatefulSet's claim policy).</summary>
internal static class ShardRemoval
{
    public static async Task RemoveAsync(ReconcileContext context, int shard, CancellationToken cancellationToken)
    {
        var client = context.Services.Client;
        var ns = context.Namespace;
        await Kubernetes.Client.KubernetesClientExtensions.DeleteIfExistsAsync<StatefulSet>(client, ChildNames.Shard(context.Name, shard), ns, cancellationToken: cancellationToken);
        await Kubernetes.Client.KubernetesClientExtensions.DeleteIfExistsAsync<PodDisruptionBudget>(client, ChildNames.ShardPodDisruptionBudget(context.Name, shard), ns, cancellationToken: cancellationToken);
        await Kubernetes.Client.KubernetesClientExtensions.DeleteIfExistsAsync<Service>(client, ChildNames.ShardService(context.Name, shard), ns, cancellationToken: cancellationToken);
        await Kubernetes.Client.KubernetesClientExtensions.DeleteIfExistsAsync<Service>(client, ChildNames.ShardHeadless(context.Name, shard), ns, cancellationToken: cancellationToken);
        await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "ShardRemoved", "Rebalance",
            $"Removed shard {shard} (StatefulSet, Services, PodDisruptionBudget): it owns no cells", cancellationToken);
    }

    /// <summary>True when the shard's StatefulSet is gone or being deleted (fresh read, not the cache).</summary>
    public static async Task<bool> IsGoneAsync(ReconcileContext context, int shard, CancellationToken cancellationToken)
    {
        var set = await Kubernetes.Client.KubernetesClientExtensions.TryGetAsync<StatefulSet>(
            context.Services.Client, ChildNames.Shard(context.Name, shard), context.Namespace, cancellationToken);
        return set is null || set.Metadata.DeletionTimestamp is not null;
    }
}
