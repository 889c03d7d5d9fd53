using RagOperator.Qdrant;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Copies one move of a migration in checkpointed batches: <see cref="CellCopier"/> for whole cells,
/// <see cref="RepartitionCopier"/> for a source shard of a re-partition.
/// </summary>
public interface IMoveCopier
{
    Task<CopySlice> CopyAsync(PointId? from, Func<CopyBatch, CancellationToken, Task> onBatch, TimeSpan budget, CancellationToken cancellationToken);
}

/// <summary>
/// Verifies and repairs one move of a migration window by window: <see cref="CellVerifier"/> for whole cells,
/// <see cref="RepartitionVerifier"/> for a source shard of a re-partition.
/// </summary>
public interface IMoveVerifier
{
    /// <param name="passClean">Whether the pass has repaired nothing so far (see <see cref="SecondLook.LooksFor"/>).</param>
    Task<VerifyWindow> VerifyWindowAsync(PointId? from, bool passClean, CancellationToken cancellationToken);
}
