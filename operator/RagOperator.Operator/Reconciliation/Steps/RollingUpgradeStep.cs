using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Replication;
using RagOperator.Operator.Upgrades;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Rolls template changes of the shard StatefulSets (a new <c>spec.qdrant.version</c> or image, or any other pod
/// change) over the pods, which the StatefulSets leave alone (<c>OnDelete</c>): one pod at a time per shard, shards
/// one after another, the next pod only once every replica of the shard is Active again — see
/// <see cref="RolloutPlanner"/>. A replaced pod that does not come back healthy halts the rollout (condition
/// Upgrading, reason UpgradeHalted, and Degraded) and nothing else is deleted. Waits while a stream migration runs.
/// </summary>
public sealed class RollingUpgradeStep : IReconcileStep
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan HaltedPoll = TimeSpan.FromSeconds(5);

    public string Name => "rolling-upgrade";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var pods = ShardPods.Of(context.Services.View, context.Collection);
        var image = StatefulSetBuilder.Image(context.Spec.Qdrant, context.NodePool);
        var shards = new List<RolloutShard>();
        foreach (var shard in context.Facts.Shards.Where(s => s.Exists))
        {
            var set = context.Services.View.Get<StatefulSet>(context.Namespace, shard.Name);
            if (set is null) continue;
            var desired = StatefulSetBuilder.Build(context.Input, shard.Index).Spec.Template;
            shards.Add(Observe(context, shard, set, desired, pods.GetValueOrDefault(shard.Index) ?? []));
        }

        if (shards.Count == 0) return StepResult.Continue; // nothing runs yet: nothing to roll
        var decision = RolloutPlanner.Next(shards, context.Services.Time.GetUtcNow(), context.Services.Settings.RolloutPodTimeout);
        if (decision is not RolloutDecision.UpToDate && await MigrationRunningAsync(context, decision, cancellationToken))
        {
            decision = new RolloutDecision.Wait(shards.FirstOrDefault()?.Index ?? 0, "waiting for the stream migration to finish before replacing pods");
        }
        else if (decision is RolloutDecision.DeletePod or RolloutDecision.Wait)
        {
            // The shard the rollout works on may have a pod down on purpose: that is progress, not degradation.
            var working = decision is RolloutDecision.DeletePod d ? d.Shard : ((RolloutDecision.Wait)decision).Shard;
            if (context.Facts.Shards.FirstOrDefault(s => s.Index == working) is { } state) state.PodsChanging ??= "rolling upgrade";
        }

        var updated = shards.Sum(s => s.Pods.Count(p => p.Updated));
        var total = shards.Sum(s => Math.Max(s.DesiredPods, s.Pods.Count));
        switch (decision)
        {
            case RolloutDecision.UpToDate:
                Upgrading(context, false, Reasons.UpToDate, $"every pod of {shards.Count} shards runs the current template ({image})");
                break;
            case RolloutDecision.DeletePod delete:
                var pod = pods.GetValueOrDefault(delete.Shard)?.FirstOrDefault(p => p.Metadata.Name == delete.Pod);
                try
                {
                    await context.Services.Client.DeleteAsync<Pod>(delete.Pod, context.Namespace,
                        new DeleteOptions { PreconditionUid = pod?.Metadata.Uid }, cancellationToken);
                }
                catch (NotFoundException)
                {
                    // Already gone: the StatefulSet controller recreates it from the new template.
                }
                catch (ConflictException)
                {
                    // The UID precondition failed: the pod of that name is a newer one than the cache showed, so the
                    // one decided on was already replaced. Deleting the new pod would restart a second pod.
                }

                var message = $"shard {delete.Shard}: replacing pod {delete.Pod} with the new template ({image}); {updated}/{total} pods updated";
                context.Logger.LogInformation("{Message}", message);
                await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "UpgradingPod", "RollingUpgrade", message, cancellationToken);
                Upgrading(context, true, Reasons.RollingUpgrade, message);
                context.Facts.Progress.Add((Reasons.RollingUpgrade, message));
                context.Facts.RequeueWithin(Poll);
                break;
            case RolloutDecision.Wait wait:
                var waiting = $"{wait.Message}; {updated}/{total} pods updated to {image}";
                Upgrading(context, true, Reasons.RollingUpgrade, waiting);
                context.Facts.Progress.Add((Reasons.RollingUpgrade, waiting));
                context.Facts.RequeueWithin(Poll);
                break;
            case RolloutDecision.Halt halt:
                var untouched = shards.Sum(s => s.Pods.Count(p => !p.Updated));
                var halted = $"rollout halted: {halt.Message}; {untouched} pods keep the previous template and are left untouched " +
                             $"({updated}/{total} pods updated to {image}). Fix the cause (kubectl describe pod {halt.Pod}) or set " +
                             "spec.qdrant back to the previous version; the rollout resumes by itself once the pod is Ready";
                Upgrading(context, true, Reasons.UpgradeHalted, halted);
                context.Facts.Problems.Add((Reasons.UpgradeHalted, halted));
                context.Facts.RequeueWithin(HaltedPoll);
                break;
        }

        return StepResult.Continue;
    }

    /// <summary>
    /// Whether the StatefulSet controller has seen the pod template this reconcile wants, judged from the cached set:
    /// the set holds every field of <paramref name="desired"/> and its status describes that generation. The cache may
    /// still hold the set from before this (or the previous) reconcile applied a new template — any pod change, not
    /// only a new image: until the controller has seen it, status.updateRevision names the previous template and every
    /// old pod would look updated.
    /// </summary>
    public static bool Observed(StatefulSet set, PodTemplateSpec desired) =>
        set.Status?.UpdateRevision is not null
        && (set.Status.ObservedGeneration ?? 0) >= (set.Metadata.Generation ?? 0)
        && SemanticSubset.Contains(JsonNode.Parse(KubernetesJson.Serialize(set.Spec.Template)), JsonNode.Parse(KubernetesJson.Serialize(desired)));

    private static RolloutShard Observe(ReconcileContext context, ShardState shard, StatefulSet set, PodTemplateSpec desired, IReadOnlyList<Pod> pods)
    {
        var revision = set.Status?.UpdateRevision;
        var observed = Observed(set, desired);
        var rolloutPods = pods.Select(p => new RolloutPod(
            p.Metadata.Name!,
            ShardPods.Ordinal(shard.Name, p.Metadata.Name)!.Value,
            Updated: revision is not null && p.Metadata.Labels?.TryGetValue("controller-revision-hash", out var podRevision) == true && podRevision == revision,
            Ready: ShardPods.IsReady(p),
            Terminating: p.Metadata.DeletionTimestamp is not null,
            CrashLooping: ShardPods.IsCrashLooping(p),
            Created: p.Metadata.CreationTimestamp)).ToList();

        // Replicas are settled when the replica step found them so; a shard without data has nothing to protect.
        var settled = shard.QdrantReplicas?.Settled ?? (!shard.CollectionCreated && context.Table is null);
        return new RolloutShard(shard.Index, observed, set.Spec.Replicas ?? 1, rolloutPods, settled, shard.QdrantReplicas?.Message);
    }

    /// <summary>
    /// A stream migration runs. The cached collection may predate the migration step's own status write of the
    /// previous reconcile (a migration just planned), so before a pod is deleted the status is read from the API server.
    /// </summary>
    private static async Task<bool> MigrationRunningAsync(ReconcileContext context, RolloutDecision decision, CancellationToken cancellationToken)
    {
        if (MigrationRunning(context.Collection)) return true;
        if (decision is not RolloutDecision.DeletePod) return false;
        var fresh = await context.Services.Client.TryGetAsync<VectorCollection>(context.Name, context.Namespace, cancellationToken);
        return fresh is not null && MigrationRunning(fresh);
    }

    private static bool MigrationRunning(VectorCollection collection) =>
        collection.Status?.Migration is { } migration && migration.Phase is not (MigrationPhase.Done or MigrationPhase.RolledBack);

    private static void Upgrading(ReconcileContext context, bool status, string reason, string message) =>
        context.Facts.ExtraConditions.Add(new Condition { Type = ConditionTypes.Upgrading, Status = status ? "True" : "False", Reason = reason, Message = message });
}
