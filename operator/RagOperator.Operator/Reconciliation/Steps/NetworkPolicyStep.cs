using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Applies the collection's NetworkPolicies before any shard or router pod exists, so no pod ever runs unguarded;
/// with <c>spec.networkPolicy.enabled: false</c> it deletes those it made earlier.
/// </summary>
public sealed class NetworkPolicyStep : IReconcileStep
{
    public string Name => "network-policies";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (context.Spec.NetworkPolicy.Enabled)
        {
            foreach (var policy in NetworkPolicyBuilder.Build(context.Input))
                await ShardWorkloadsStep.ApplyAsync(context, policy, cancellationToken);
            return StepResult.Continue;
        }

        foreach (var name in new[] { ChildNames.ShardNetworkPolicy(context.Name), ChildNames.RouterNetworkPolicy(context.Name) })
            await context.Services.Applier.DeleteIfControlledAsync<NetworkPolicy>(context.Namespace, name, context.Collection.Metadata.Uid, cancellationToken);

        return StepResult.Continue;
    }
}
