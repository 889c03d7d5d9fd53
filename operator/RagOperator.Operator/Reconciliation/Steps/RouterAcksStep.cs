using Microsoft.Extensions.Logging;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Asks the ready routers which routing version they serve and records the lowest as
/// status.routing.acknowledgedVersion (read-only; it never blocks the chain — waiting for acknowledgements is the
/// migration's business).
/// </summary>
public sealed class RouterAcksStep : IReconcileStep
{
    public string Name => "router-acks";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (context.Facts.Router is not { ReadyReplicas: > 0 }) return StepResult.Continue;
        try
        {
            var acks = await context.Services.RouterAcks.QueryAsync(context.Namespace, context.Name, context.RouterApiKey, context.ShardTrust, cancellationToken);
            context.Facts.AcknowledgedVersion = acks.MinimumVersion;
        }
        catch (Exception e) when (e is HttpRequestException or Kubernetes.Client.KubernetesApiException)
        {
            context.Logger.LogInformation("Could not ask the routers for their routing version: {Error}", e.Message);
        }

        return StepResult.Continue;
    }
}
