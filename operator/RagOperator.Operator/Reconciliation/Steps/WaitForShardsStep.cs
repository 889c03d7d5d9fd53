namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Before the first routing table: stop here until every shard is ready with its collection, so routers never get
/// a table pointing at shards that cannot take writes. Afterwards a shard that loses pods is reported (Degraded)
/// but does not stop the chain: routers and the routing table must keep being maintained.
/// </summary>
public sealed class WaitForShardsStep : IReconcileStep
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    public string Name => "wait-for-shards";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var shards = context.Facts.Shards;
        if (shards.All(s => s.Ready)) return Task.FromResult(StepResult.Continue);
        if (context.Table is not null) return Task.FromResult(StepResult.Continue);
        return Task.FromResult(StepResult.RequeueAfter(PollInterval, Reasons.WaitingForShards));
    }
}
