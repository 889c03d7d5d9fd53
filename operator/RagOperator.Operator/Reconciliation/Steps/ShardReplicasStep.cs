using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Replication;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Makes <c>spec.replicas</c> real on every shard whose Qdrant collection exists: each shard is one Qdrant cluster
/// (its pods are the peers) holding one Qdrant shard, and this step places and drops that shard's replicas through
/// Qdrant's collection cluster API, one operation per shard per reconcile, following <see cref="ReplicaPlanner"/>:
/// raising the count (the StatefulSet has already grown) replicates the data to each new peer and waits for the
/// transfer to leave it Active; lowering it drops the replicas of the pods that go, removes their peers from the
/// cluster, and only then shrinks the StatefulSet. It also keeps <c>write_consistency_factor</c> on the rule of
/// <see cref="WriteConsistency"/>, and reports every shard's replicas (Active of total, and which are not Active).
/// <para>Cost: one <c>GET /collections/{name}/cluster</c> per shard per reconcile; <c>GET /cluster</c> (peers) only
/// when the replicas are not simply all there and Active.</para>
/// </summary>
public sealed class ShardReplicasStep : IReconcileStep
{
    /// <summary>How soon a shard with replica work in flight is looked at again.</summary>
    public static readonly TimeSpan WorkPoll = TimeSpan.FromMilliseconds(500);

    public string Name => "shard-replicas";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var pods = ShardPods.Of(context.Services.View, context.Collection);
        var shards = context.Facts.Shards.Where(s => s.Exists && s.CollectionCreated && s.Error is null).ToList();
        var outcomes = await Task.WhenAll(shards.Select(shard =>
            ReconcileShardAsync(context, shard, pods.GetValueOrDefault(shard.Index) ?? [], cancellationToken)));
        foreach (var outcome in outcomes.OfType<ShardOutcome>())
        {
            if (outcome.Progress is { } progress) context.Facts.Progress.Add((Reasons.ReplicatingShards, progress));
            if (outcome.Problem is { } problem) context.Facts.Problems.Add((Reasons.ReplicasNotActive, problem));
            if (outcome.Busy) context.Facts.RequeueWithin(WorkPoll);
        }

        return StepResult.Continue;
    }

    private sealed record ShardOutcome(string? Progress, string? Problem, bool Busy);

    private static async Task<ShardOutcome?> ReconcileShardAsync(
        ReconcileContext context, ShardState shard, IReadOnlyList<Pod> pods, CancellationToken cancellationToken)
    {
        var endpoint = context.Services.ShardEndpoints.Resolve(context.Namespace, context.Name, shard.Index, context.Tls);
        if (context.Services.Qdrant.Get(endpoint, context.QdrantApiKey, context.ShardTrust) is not IQdrantAdminClient admin) return null;
        var set = context.Services.View.Get<StatefulSet>(context.Namespace, shard.Name);
        if (set is null) return null;
        try
        {
            var info = await admin.GetCollectionClusterInfoAsync(context.Name, cancellationToken);
            var replicas = info.ReplicasOf(0);
            var readyOrdinals = pods.Where(ShardPods.IsReady).Select(p => ShardPods.Ordinal(shard.Name, p.Metadata.Name)!.Value).ToHashSet();
            var desired = context.Spec.Replicas;
            var setReplicas = set.Spec.Replicas ?? 1;
            IReadOnlyList<ClusterPeer> peers;
            ReplicaAction action;
            if (replicas.Count == desired && replicas.Values.All(s => s == ReplicaState.Active) && info.ShardTransfers.Count == 0
                && setReplicas == desired && Enumerable.Range(0, desired).All(readyOrdinals.Contains))
            {
                // Everything is in place: no need to map peers to pods.
                peers = [];
                action = new ReplicaAction.Converged();
            }
            else
            {
                var cluster = await admin.GetClusterStatusAsync(cancellationToken);
                if (!cluster.IsEnabled) return null;
                peers = cluster.Peers
                    .Select(peer => new ClusterPeer(ulong.Parse(peer.Key, System.Globalization.CultureInfo.InvariantCulture),
                        ReplicaPlanner.OrdinalFromUri(peer.Value.Uri, shard.Name)))
                    .ToList();
                action = ReplicaPlanner.Next(new ReplicaView(desired, setReplicas, readyOrdinals, peers, replicas, info.ShardTransfers.Count));
            }

            var settled = action is ReplicaAction.Converged;
            await KeepWriteConsistencyAsync(context, shard, admin, settled, cancellationToken);
            var notActive = replicas.Where(r => r.Value != ReplicaState.Active)
                .OrderBy(r => r.Key)
                .Select(r => $"{PodOf(shard.Name, peers, r.Key)}={r.Value}")
                .ToList();
            var describe = await ExecuteAsync(context, shard, admin, action, cancellationToken);
            // Replicas the operator adds or drops are an update in progress (phase Updating). This shard's pods are all
            // ready here (the step sees only shards whose collection was checked this reconcile); pods still starting
            // for new replicas are excused in ShardReadinessStep. A fault at the right count is not marked.
            if (!settled && (setReplicas != desired || replicas.Count != desired)) shard.PodsChanging ??= describe ?? "replicas changing";
            shard.QdrantReplicas = new ReplicaSummary(replicas.Values.Count(s => s == ReplicaState.Active), replicas.Count, notActive, settled, describe);
            var dead = replicas.Where(r => r.Value == ReplicaState.Dead).Select(r => PodOf(shard.Name, peers, r.Key)).ToList();
            return new ShardOutcome(
                settled ? null : $"shard {shard.Index}: {describe} ({shard.QdrantReplicas.Active}/{desired} replicas Active)",
                dead.Count > 0 ? $"shard {shard.Index}: replica on {string.Join(", ", dead)} is Dead; Qdrant recovers it when the pod is back" : null,
                !settled);
        }
        catch (QdrantException e)
        {
            shard.Error = e.QdrantMessage is { Length: > 0 } message ? $"{e.Operation}: {message}" : e.Message;
            context.Logger.LogWarning("Replicas of shard {Shard}: {Error}", shard.Index, e.Message);
            return new ShardOutcome(null, null, true);
        }
    }

    /// <summary>Carries out the planner's action; returns what it did or waits for, for status.</summary>
    private static async Task<string?> ExecuteAsync(
        ReconcileContext context, ShardState shard, IQdrantAdminClient admin, ReplicaAction action, CancellationToken cancellationToken)
    {
        switch (action)
        {
            case ReplicaAction.Replicate replicate:
                await admin.ReplicateShardAsync(context.Name, 0, replicate.FromPeer, replicate.ToPeer, cancellationToken: cancellationToken);
                return await ReportAsync(context, "ReplicaAdding", "Replicate",
                    $"shard {shard.Index}: copying the data to a new replica on pod {Pod(shard.Name, replicate.ToOrdinal)} (peer {replicate.ToPeer})", cancellationToken);
            case ReplicaAction.DropReplica drop:
                await admin.DropReplicaAsync(context.Name, 0, drop.Peer, cancellationToken);
                return await ReportAsync(context, "ReplicaDropped", "DropReplica",
                    $"shard {shard.Index}: dropped the replica on pod {Pod(shard.Name, drop.Ordinal)} (peer {drop.Peer}), which goes", cancellationToken);
            case ReplicaAction.RemovePeer remove:
                await admin.RemovePeerAsync(remove.Peer, cancellationToken: cancellationToken);
                return await ReportAsync(context, "PeerRemoved", "RemovePeer",
                    $"shard {shard.Index}: removed peer {remove.Peer} (pod {Pod(shard.Name, remove.Ordinal)}) from the Qdrant cluster", cancellationToken);
            case ReplicaAction.ShrinkStatefulSet shrink:
                await ShardWorkloadsStep.ShrinkAsync(context, shard.Index, shrink.Replicas, cancellationToken);
                return await ReportAsync(context, "ShardScaledDown", "ScaleDown",
                    $"shard {shard.Index}: StatefulSet scaled down to {shrink.Replicas} pods after their peers left the cluster", cancellationToken);
            case ReplicaAction.Wait wait:
                return wait.Reason;
            default:
                return null;
        }
    }

    private static async Task<string> ReportAsync(ReconcileContext context, string reason, string verb, string message, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("{Message}", message);
        await context.Services.Events.PublishAsync(context.Collection, Event.Normal, reason, verb, message, cancellationToken);
        return message;
    }

    private static async Task KeepWriteConsistencyAsync(
        ReconcileContext context, ShardState shard, IQdrantAdminClient admin, bool settled, CancellationToken cancellationToken)
    {
        var current = shard.WriteConsistencyFactor ?? 1;
        var target = WriteConsistency.Target(context.Spec.Replicas, current, settled);
        if (target == current || admin is not IQdrantClient qdrant) return;
        await qdrant.UpdateCollectionAsync(context.Name,
            new UpdateCollectionRequest { Params = new CollectionParamsDiff { WriteConsistencyFactor = target } }, cancellationToken);
        shard.WriteConsistencyFactor = target;
        await ReportAsync(context, "WriteConsistencyChanged", "UpdateParameters",
            $"shard {shard.Index}: write_consistency_factor {current} -> {target} for {context.Spec.Replicas} replicas", cancellationToken);
    }

    private static string PodOf(string setName, IReadOnlyList<ClusterPeer> peers, ulong peer) =>
        peers.FirstOrDefault(p => p.Id == peer)?.Ordinal is { } ordinal ? Pod(setName, ordinal) : $"peer {peer}";

    private static string Pod(string setName, int ordinal) => $"{setName}-{ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
