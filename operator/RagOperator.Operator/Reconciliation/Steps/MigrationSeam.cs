namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// THE SEAM FOR STREAM MIGRATION (issue 6). It runs after the shards, their collections, the routing table and
/// the routers are reconciled, with:
/// <list type="bullet">
/// <item><see cref="ReconcileContext.Table"/>: the published table; publish a new one with
/// <see cref="RoutingTableStep.PublishAsync"/> (history copy first, then the active map).</item>
/// <item>Shards 0..max(spec.shards, table shards)-1 already exist with their collections (<c>Facts.Shards</c>):
/// scale-out shards are created before the migration starts; drained shards stay until the migration removes them
/// from the table.</item>
/// <item><c>Services.RouterAcks.AllReadyRoutersServeAsync</c> to wait for every router between versions.</item>
/// <item><c>Facts.Rebalancing</c> and <c>Facts.ExtraConditions</c> (condition Rebalancing) for status; the
/// migration block of status is the migration's own (the status writer re-reads it on conflict, never drops it).</item>
/// </list>
/// The reconciler's default is <see cref="Migration.StreamMigrationStep"/>; passing <see cref="NoMigrationStep"/> to
/// its constructor switches stream migration off.
/// </summary>
public interface IMigrationStep : IReconcileStep;

/// <summary>
/// The default migration step: does nothing while the routing table's shard count equals spec.shards. When they
/// differ it reports the pending rebalance (Progressing, reason RebalancePending) and changes nothing: the
/// collection keeps serving with the shards of its routing table.
/// </summary>
public sealed class NoMigrationStep : IMigrationStep
{
    public string Name => "migration";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (context.Table is { } table && table.Shards.Length != context.Spec.Shards)
        {
            context.Facts.RebalanceMessage =
                $"spec.shards is {context.Spec.Shards} but routing table v{table.Version} has {table.Shards.Length} shards; " +
                "moving cells between shards needs the stream migration, which this operator build does not include";
        }

        return Task.FromResult(StepResult.Continue);
    }
}
