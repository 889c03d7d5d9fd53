using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Writes <c>status.migration</c>, the migration's own block of status: phase, moves with their checkpoints,
/// verify passes, progress (see <see cref="StatusBlockStore"/> for why a block patch).
/// </summary>
internal static class MigrationStatusStore
{
    public static Task SaveAsync(ReconcileContext context, MigrationStatus migration, CancellationToken cancellationToken) =>
        StatusBlockStore.SaveAsync(context, [Block(migration)], cancellationToken);

    public static StatusBlock Block(MigrationStatus migration) => StatusBlock.Of("migration", migration, (status, block) => status.Migration = block);
}
