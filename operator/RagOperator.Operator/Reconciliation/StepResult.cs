namespace RagOperator.Operator.Reconciliation;

public enum StepOutcome
{
    /// <summary>Go on with the next step.</summary>
    Continue,

    /// <summary>Stop the chain (nothing more can be done now), write status, and look again after a delay.</summary>
    Requeue,

    /// <summary>Stop the chain, write status, and retry with backoff (the error is logged and rethrown).</summary>
    Error,

    /// <summary>Stop the chain and write nothing more: the object is gone or going (finalizer removed).</summary>
    Done,
}

/// <summary>The result of one reconcile step.</summary>
public sealed record StepResult(StepOutcome Outcome, TimeSpan? After = null, string? Reason = null, Exception? Exception = null)
{
    public static StepResult Continue { get; } = new(StepOutcome.Continue);

    public static StepResult Done { get; } = new(StepOutcome.Done);

    public static StepResult RequeueAfter(TimeSpan after, string reason) => new(StepOutcome.Requeue, after, reason);

    public static StepResult Error(Exception exception) => new(StepOutcome.Error, Reason: exception.Message, Exception: exception);
}

/// <summary>One link of the reconcile chain. Steps read the context, act, record facts in it, and say what comes next.</summary>
public interface IReconcileStep
{
    string Name { get; }

    Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken);
}
