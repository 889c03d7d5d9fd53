namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>Adds the finalizer before any child or PVC exists, so deletion always passes through <see cref="DeletionStep"/>.</summary>
public sealed class FinalizerStep : IReconcileStep
{
    public string Name => "finalizer";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (Finalizers.Has(context.Collection)) return StepResult.Continue;
        var patched = await Finalizers.AddAsync(context.Services.Client, context.Collection, cancellationToken);
        // Carry on with the patched object: its resourceVersion is the one the status write must match.
        context.Collection = patched;
        return StepResult.Continue;
    }
}
