using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Observability.Logging;
using RagOperator.Operator.Hosting;
using RagOperator.Operator.Reconciliation.Steps;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// Reconciles a VectorCollection through a flat chain of small steps (CloudNativePG style). The chain stops at the
/// first step that does not say Continue; then — unless the object is gone — the status is derived from what the
/// steps found and written once, through <see cref="StatusWriter"/>. A healthy collection is looked at again every
/// <see cref="HealthyResync"/> to refresh point counts and router acknowledgements; that reconcile writes nothing
/// unless something changed.
/// </summary>
public sealed class VectorCollectionReconciler : IReconciler<VectorCollection>
{
    public static readonly TimeSpan HealthyResync = TimeSpan.FromSeconds(30);

    private readonly OperatorServices services;
    private readonly ILogger logger;
    private readonly OperatorMetrics? metrics;
    private readonly IReadOnlyList<IReconcileStep> steps;

    public VectorCollectionReconciler(OperatorServices services, ILogger logger, IMigrationStep? migration = null, OperatorMetrics? metrics = null, TimeSpan? healthyResync = null)
    {
        this.services = services;
        this.logger = logger;
        this.metrics = metrics;
        Resync = healthyResync ?? HealthyResync;
        steps =
        [
            new DeletionStep(),
            new FinalizerStep(),
            new ObserveRoutingStep(),
            new SpecChecksStep(),
            new VersionGateStep(),
            new TlsStep(),
            new NetworkPolicyStep(),
            new ShardWorkloadsStep(),
            new ShardReadinessStep(),
            new QdrantCollectionsStep(),
            new ShardReplicasStep(),
            new RollingUpgradeStep(),
            new WaitForShardsStep(),
            new RoutingTableStep(),
            new RouterStep(),
            new RouterAcksStep(),
            migration ?? new Migration.StreamMigrationStep(),
        ];
    }

    public TimeSpan Resync { get; }

    /// <summary>The chain, in order (for documentation and tests).</summary>
    public IReadOnlyList<string> StepNames => steps.Select(s => s.Name).ToList();

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var collection = services.View.Get<VectorCollection>(request.Namespace, request.Name);
        if (collection is null)
        {
            metrics?.Forget(request.Namespace ?? "", request.Name);
            return ReconcileResult.Done;
        }

        var reconcileId = RagLogScope.NewReconcileId();
        using var scope = logger.BeginReconcile(request.Namespace ?? "", request.Name, reconcileId);
        var context = new ReconcileContext(collection, services, reconcileId, logger);
        var result = StepResult.Continue;
        foreach (var step in steps)
        {
            try
            {
                result = await step.RunAsync(context, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Step {Step} failed: {Error}", step.Name, e.Message);
                result = StepResult.Error(e);
                context.Facts.StepError = $"step {step.Name} failed: {e.Message}";
            }

            if (result.Outcome != StepOutcome.Continue)
            {
                logger.LogDebug("Chain stopped at {Step}: {Outcome} {Reason}", step.Name, result.Outcome, result.Reason);
                break;
            }
        }

        if (result.Outcome == StepOutcome.Done)
        {
            metrics?.Forget(context.Namespace, context.Name);
            return ReconcileResult.Done;
        }

        // Gauges first: whoever sees the status this reconcile writes (Ready, say) then scrapes the same observations.
        metrics?.Record(context);
        await WriteStatusAsync(context, cancellationToken);
        return result.Outcome switch
        {
            StepOutcome.Requeue => ReconcileResult.RequeueAfter(result.After ?? Resync),
            StepOutcome.Error => throw new ReconcileException($"reconcile of {context.Namespace}/{context.Name} failed: {result.Reason}", result.Exception!),
            // Replica transfers and pod replacements in flight ask to be looked at again sooner than the healthy resync.
            _ => ReconcileResult.RequeueAfter(context.Facts.RequeueAfter is { } soon && soon < Resync ? soon : Resync),
        };
    }

    private async Task WriteStatusAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var written = await services.Status.UpdateAsync<VectorCollection, VectorCollectionSpec, VectorCollectionStatus>(
            context.Collection,
            (_, status) => StatusComputer.Apply(context.Collection, context.Table, context.Facts, status, services.Time),
            cancellationToken);
        if (written) logger.LogDebug("Status updated");
    }
}

/// <summary>A reconcile step failed; the controller retries the collection with backoff.</summary>
public sealed class ReconcileException : Exception
{
    public ReconcileException() { }

    public ReconcileException(string message) : base(message) { }

    public ReconcileException(string message, Exception inner) : base(message, inner) { }
}
