using RagOperator.Kubernetes.Client;
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
        {
            var live = context.Services.View.Get<NetworkPolicy>(context.Namespace, name);
            if (live is null || !Owners.IsControlledBy(live, context.Collection.Metadata.Uid)) continue;
            await context.Services.Client.DeleteIfExistsAsync<NetworkPolicy>(name, context.Namespace, cancellationToken: cancellationToken);
        }

        return StepResult.Continue;
    }
}
