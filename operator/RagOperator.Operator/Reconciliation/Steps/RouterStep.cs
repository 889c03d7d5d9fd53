using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Applies the routers (ServiceAccount, Role, RoleBinding, Service, Deployment, PodDisruptionBudget) once a routing
/// table exists, and observes how many are ready.
/// </summary>
public sealed class RouterStep : IReconcileStep
{
    public string Name => "router";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        foreach (var child in CollectionChildren.Router(context.Input))
            await ShardWorkloadsStep.ApplyAsync(context, child, cancellationToken);

        var deployment = context.Services.View.Get<Deployment>(context.Namespace, ChildNames.Router(context.Name));
        var caughtUp = deployment?.Status?.ObservedGeneration is null || deployment.Status.ObservedGeneration >= deployment.Metadata.Generation;
        var ready = caughtUp ? deployment?.Status?.ReadyReplicas ?? 0 : 0;
        context.Facts.Router = new RouterState(context.Spec.Router.Replicas, Math.Min(ready, context.Spec.Router.Replicas), ChildNames.Router(context.Name));
        return StepResult.Continue;
    }
}
