using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Replication;
using RagOperator.Operator.Upgrades;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Refuses a <c>spec.qdrant.version</c> that skips a Qdrant minor version (<see cref="VersionSkipRule"/>), compared with
/// every version the shard StatefulSets name and the shard pods run. A refused version stops the chain before any
/// child is written, like any other spec problem: nothing is half-applied, the running pods and templates stay as
/// they are, and conditions Degraded/Ready (reason VersionSkipRefused) and Upgrading say which versions to go
/// through.
/// </summary>
public sealed class VersionGateStep : IReconcileStep
{
    public string Name => "version-gate";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (QdrantVersion.TryParse(context.Spec.Qdrant.Version) is not { } target) return Task.FromResult(StepResult.Continue);
        var running = new List<QdrantVersion>();
        for (var shard = 0; shard < context.ShardCount; shard++)
        {
            var set = context.Services.View.Get<StatefulSet>(context.Namespace, Naming.ChildNames.Shard(context.Name, shard));
            var image = StatefulSetBuilder.QdrantImageOf(set?.Spec.Template.Spec);
            if (QdrantVersion.FromImage(image) is { } version) running.Add(version);
        }

        foreach (var pod in ShardPods.Of(context.Services.View, context.Collection).Values.SelectMany(p => p))
        {
            var image = StatefulSetBuilder.QdrantImageOf(pod.Spec);
            if (QdrantVersion.FromImage(image) is { } version) running.Add(version);
        }

        if (VersionSkipRule.Check(target, running) is not { } refusal) return Task.FromResult(StepResult.Continue);
        context.Facts.Blockers.Add(new Blocker(Reasons.VersionSkipRefused, refusal));
        context.Facts.ExtraConditions.Add(new Condition
        {
            Type = ConditionTypes.Upgrading, Status = "False", Reason = Reasons.VersionSkipRefused, Message = refusal,
        });
        return Task.FromResult(StepResult.RequeueAfter(context.Services.Settings.BlockedRecheck, Reasons.VersionSkipRefused));
    }
}
