using System.Diagnostics;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Routing;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// <c>moved_fraction_vs_optimal</c>: for N→N+1 and N→2N shards, N in 2..16, how much data the cell planner moves
/// against the optimum (M-N)/M and against re-sharding by <c>hash % N</c>. Pure: the planner on the default 16 384
/// cells, and a sample of real point ids hashed with the routing cell function for the point-level figures.
/// </summary>
public sealed class MovedFractionSuite : IBenchmarkSuite
{
    public const int Slots = 16_384;

    public string Name => "moved_fraction_vs_optimal";

    public Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var hashes = Enumerable.Range(1, context.Sizes.MovedFractionSampleIds).Select(i => PointKey.FromUlong((ulong)i).Hash()).ToArray();
        var cells = hashes.Select(h => HashCellAssigner.CellOf(h, Slots)).ToArray();
        var rows = new List<IReadOnlyList<string>>();
        var worstExcess = 0.0;
        var worstCase = "";
        foreach (var kind in new[] { "N→N+1", "N→2N" })
        {
            for (var n = 2; n <= 16; n++)
            {
                var m = kind == "N→N+1" ? n + 1 : 2 * n;
                var row = Measure(n, m, hashes, cells);
                rows.Add([kind, $"{n}→{m}", Format.Fraction(row.PlannerCells), Format.Fraction(row.PlannerPoints), Format.Fraction(row.Optimal),
                    Format.Ratio(row.PlannerCells / row.Optimal), Format.Fraction(row.HashModAnalytic), Format.Fraction(row.HashModPoints)]);
                var excess = row.PlannerCells / row.Optimal;
                if (excess > worstExcess)
                {
                    worstExcess = excess;
                    worstCase = $"{n}→{m}";
                }
            }
        }

        var two = Measure(2, 3, hashes, cells);
        var headlines = new List<Headline>
        {
            new("moved_fraction_vs_optimal", Format.Ratio(worstExcess),
                $"worst planner/optimal over N→N+1 and N→2N, N=2..16 (at {worstCase}; 1.00 = optimal)"),
            new("moved_fraction_2_to_3", $"{Format.Fraction(two.PlannerPoints)} (optimal {Format.Fraction(two.Optimal)}, hash % N {Format.Fraction(two.HashModPoints)})",
                $"share of {hashes.Length:N0} sample point ids whose shard changes"),
        };
        var section = new Section(
            "Data moved by a shard-count change",
            $"Planner: `RebalancePlanner.Plan` on {Slots:N0} cells starting from the initial balanced assignment. Cells: moved cells / all cells. " +
            $"Points: share of {hashes.Length:N0} point ids (1..{hashes.Length:N0}, XXH64 cell function) whose owner changes. Optimal: (M-N)/M. " +
            "hash % N: 1 - min(N,M)/lcm(N,M) analytically, and measured over the same ids.",
            ["change", "shards", "planner (cells)", "planner (points)", "optimal", "planner / optimal", "hash % N (analytic)", "hash % N (points)"],
            rows);
        return Task.FromResult(new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started)));
    }

    private static (double PlannerCells, double PlannerPoints, double Optimal, double HashModAnalytic, double HashModPoints) Measure(
        int from, int to, ulong[] hashes, int[] cells)
    {
        var plan = RebalancePlanner.Plan(RebalancePlanner.InitialAssignment(Slots, from), to);
        var before = plan.Before.OwnerByCell();
        var after = plan.After.OwnerByCell();
        var movedPoints = cells.Count(cell => before[cell] != after[cell]);
        return (plan.Summary.FractionMoved, (double)movedPoints / cells.Length, plan.Summary.TheoreticalFraction,
            plan.Summary.HashModBaselineFraction, RebalancePlanner.HashModFractionMoved(hashes, from, to));
    }
}
