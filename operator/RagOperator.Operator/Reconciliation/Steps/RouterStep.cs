using System.Text.Json.Nodes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Applies the routers (ServiceAccount, Role, RoleBinding, Service, Deployment, PodDisruptionBudget and, under
/// <c>spec.router.autoscaling</c>, a HorizontalPodAutoscaler) once a routing table exists, and observes how many are
/// ready.
/// </summary>
public sealed class RouterStep : IReconcileStep
{
    /// <summary>
    /// Holds the router count between the operator giving it up and the autoscaler's first scale: a field the operator
    /// stops applying is removed unless another manager also owns it, and a Deployment without replicas runs one pod.
    /// </summary>
    public const string ReplicasHandoverManager = "rag-operator-hpa-handover";

    public string Name => "router";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        await HandReplicasToAutoscalerAsync(context, cancellationToken);
        foreach (var child in CollectionChildren.Router(context.Input))
            await ShardWorkloadsStep.ApplyAsync(context, child, cancellationToken);
        await RemoveAutoscalerNoLongerAskedForAsync(context, cancellationToken);

        var deployment = context.Services.View.Get<Deployment>(context.Namespace, ChildNames.Router(context.Name));
        var caughtUp = deployment?.Status?.ObservedGeneration is null || deployment.Status.ObservedGeneration >= deployment.Metadata.Generation;
        var ready = caughtUp ? deployment?.Status?.ReadyReplicas ?? 0 : 0;
        var desired = context.Spec.Router.Autoscaling is { } autoscaling
            ? Math.Clamp(deployment?.Spec.Replicas ?? autoscaling.MinReplicas, autoscaling.MinReplicas, autoscaling.MaxReplicas)
            : context.Spec.Router.Replicas;
        context.Facts.Router = new RouterState(desired, Math.Min(ready, desired), ChildNames.Router(context.Name));
        return StepResult.Continue;
    }

    /// <summary>
    /// When autoscaling starts, a second field manager first claims the current count (same value, so shared
    /// ownership), then the operator applies its Deployment without it; the autoscaler's first scale takes the count over.
    /// </summary>
    private static async Task HandReplicasToAutoscalerAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (context.Spec.Router.Autoscaling is null) return;
        var name = ChildNames.Router(context.Name);
        var live = context.Services.View.Get<Deployment>(context.Namespace, name);
        if (live?.Spec.Replicas is not { } replicas || !Owners.IsControlledBy(live, context.Collection.Metadata.Uid)
            || !context.Services.Applier.Owns(live, "f:spec", "f:replicas")) return;
        var configuration = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = context.Namespace },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
        };
        await context.Services.Client.ApplyConfigurationAsync<Deployment>(configuration, new ApplyOptions(ReplicasHandoverManager), cancellationToken);
        await context.Services.Applier.ApplyAsync(RouterDeploymentBuilder.Build(context.Input), context.Collection.Metadata.Uid, cancellationToken, evenIfContained: true);
    }

    private static async Task RemoveAutoscalerNoLongerAskedForAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (context.Spec.Router.Autoscaling is not null) return;
        await context.Services.Applier.DeleteIfControlledAsync<HorizontalPodAutoscaler>(
            context.Namespace, ChildNames.Router(context.Name), context.Collection.Metadata.Uid, cancellationToken);
    }
}
