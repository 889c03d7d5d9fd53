using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace RagOperator.Routing;

/// <summary>The moves of a rebalancing, the ownership before and after, and a summary of what it costs.</summary>
public sealed record RebalancePlan(ImmutableArray<CellMove> Moves, CellAssignment Before, CellAssignment After, PlanSummary Summary)
{
    /// <summary>The shards that receive cells but own none before: they must be scaled out first.</summary>
    public ImmutableArray<int> AddedShards =>
        [.. After.Shards.Where(kv => !kv.Value.IsEmpty && Before.CountOf(kv.Key) == 0).Select(kv => kv.Key)];

    /// <summary>The shards that own cells before and none after: they are removed after cleanup.</summary>
    public ImmutableArray<int> DrainedShards =>
        [.. Before.Shards.Where(kv => !kv.Value.IsEmpty && After.CountOf(kv.Key) == 0).Select(kv => kv.Key)];
}

/// <summary>
/// What a plan costs against the optimum and against <c>hash % N</c> sharding.
/// <list type="bullet">
/// <item><see cref="MinimumCellsMoved"/>: the fewest cells any balanced result can move, i.e. the sum over shards
/// of the cells owned above the balanced target (removed shards have target 0).</item>
/// <item><see cref="TheoreticalFraction"/>: |M-N| / max(M, N) for N→M shards starting balanced: 1/(N+1) for N→N+1,
/// 1/2 for N→2N, and the removed shards' share when shrinking.</item>
/// <item><see cref="HashModBaselineFraction"/>: the share of points whose <c>hash % N</c> shard changes going to
/// <c>hash % M</c>, 1 - min(N, M) / lcm(N, M) for uniform hashes (N/(N+1) for N→N+1).</item>
/// </list>
/// </summary>
public sealed record PlanSummary(
    int FromShards,
    int ToShards,
    long TotalCells,
    long CellsMoved,
    long MinimumCellsMoved,
    double TheoreticalFraction,
    double HashModBaselineFraction,
    long? TotalPoints,
    long? EstimatedPointsMoved)
{
    public double FractionMoved => TotalCells == 0 ? 0 : (double)CellsMoved / TotalCells;

    public double MinimumFraction => TotalCells == 0 ? 0 : (double)MinimumCellsMoved / TotalCells;

    /// <summary>
    /// Semantic plans only: the fewest points any plan can move (the points of removed shards plus what kept shards
    /// hold above the mean); null for hash plans, whose cells are even and counted in <see cref="MinimumCellsMoved"/>.
    /// </summary>
    public long? MinimumPointsMoved { get; init; }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{FromShards} -> {ToShards} shards: {CellsMoved} of {TotalCells} cells move ({FractionMoved:P2}); ");
        text.Append(CultureInfo.InvariantCulture, $"minimum {MinimumCellsMoved} ({MinimumFraction:P2}), theoretical {TheoreticalFraction:P2}, hash % N would move {HashModBaselineFraction:P2}");
        if (EstimatedPointsMoved is { } points && TotalPoints is { } total)
        {
            text.Append(CultureInfo.InvariantCulture, $"; about {points} of {total} points");
        }

        if (MinimumPointsMoved is { } minimumPoints)
        {
            text.Append(CultureInfo.InvariantCulture, $" (at least {minimumPoints} must move)");
        }

        return text.ToString();
    }
}
