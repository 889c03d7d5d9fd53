namespace RagOperator.Operator.Migration;

/// <summary>Timing of the stream migration step; the defaults suit a cluster and the in-process Sandbox alike.</summary>
public sealed record StreamMigrationOptions
{
    /// <summary>
    /// Work one reconcile may do (copy batches, verify windows) before it requeues itself at once. Keeps a reconcile
    /// short, so spec changes, deletion and other collections are never stuck behind a long copy.
    /// </summary>
    public TimeSpan WorkBudget { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Delay before asking the routers again whether they serve the published version.</summary>
    public TimeSpan AckPoll { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one reconcile keeps asking the routers for a version it just published before it requeues.</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Pause between two questions to the routers within <see cref="AckWait"/>.</summary>
    public TimeSpan AckWaitInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Delay before looking again whether the new shards are ready.</summary>
    public TimeSpan ShardPoll { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First retry delay after a failed step; doubles with every failure in a row.</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest retry delay.</summary>
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Delay before looking again at a halted migration (inconsistent state that needs a human).</summary>
    public TimeSpan HaltRecheck { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Points compared per verify window (ids and versions only, so larger than a copy batch).</summary>
    public int VerifyWindow { get; init; } = 512;

    /// <summary>First pause before a verify window looks again at the points that differed; later looks double it (see <see cref="SecondLook"/>).</summary>
    public TimeSpan VerifySettle { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How far router clocks may run ahead of the operator's. The copy reads points written before "now plus this" at
    /// the moment copying starts (<see cref="CopyOptions.Watermark"/>); a router clock further ahead costs verify
    /// repairs, never correctness.
    /// </summary>
    public TimeSpan ClockSkewAllowance { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a trained semantic collection counts its points per cell to look for drift (a cell grown past
    /// <c>sharding.semantic.maxCellSkew</c> × the mean); each check costs one count request per cell.
    /// </summary>
    public TimeSpan SemanticDriftCheckInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Upper bound on decisions per reconcile (each publishes, copies, verifies or cleans once).</summary>
    public int MaxDecisionsPerReconcile { get; init; } = 16;

    /// <summary>The retry delay after <paramref name="failures"/> failures in a row.</summary>
    public TimeSpan Backoff(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 16);
        var delay = RetryBase * Math.Pow(2, exponent);
        return delay < RetryMax ? delay : RetryMax;
    }
}
