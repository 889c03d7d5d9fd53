using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class RebalancePlannerTests
{
    private const int Slots = 16384;

    [Fact]
    public void The_initial_assignment_is_contiguous_equal_ranges_with_the_remainder_spread()
    {
        var assignment = RebalancePlanner.InitialAssignment(10, 3);

        assignment.Shards.Select(kv => (kv.Key, kv.Value.ToString())).Should().Equal((0, "0-3"), (1, "4-6"), (2, "7-9"));
        RebalancePlanner.InitialAssignment(Slots, 1).CellsOf(0).ToString().Should().Be("0-16383");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void A_shard_count_outside_one_to_the_number_of_cells_is_refused(int shards)
    {
        FluentActions.Invoking(() => RebalancePlanner.InitialAssignment(16, shards)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Growing_by_one_shard_moves_one_share_of_the_cells_to_the_new_shard_for_every_N_from_2_to_16()
    {
        for (var n = 2; n <= 16; n++)
        {
            var plan = RebalancePlanner.Plan(RebalancePlanner.InitialAssignment(Slots, n), n + 1);

            AssertBalanced(plan.After, n + 1);
            plan.Summary.CellsMoved.Should().Be(plan.Summary.MinimumCellsMoved);
            plan.Summary.FractionMoved.Should().BeApproximately(1.0 / (n + 1), 1.0 / Slots * n, $"N={n}");
            plan.Summary.TheoreticalFraction.Should().BeApproximately(1.0 / (n + 1), 1e-12);
            plan.Summary.HashModBaselineFraction.Should().BeApproximately((double)n / (n + 1), 1e-12);
            plan.Moves.Should().OnlyContain(m => m.To == n, "only the new shard receives cells");
            plan.Moves.Should().HaveCount(n, "one move per donor");
            plan.Moves.Should().OnlyContain(m => m.Cells.Ranges.Length == 1, "each donor gives one contiguous tail");
            plan.AddedShards.Should().Equal(n);
            plan.DrainedShards.Should().BeEmpty();
        }
    }

    [Fact]
    public void Doubling_the_shards_moves_half_the_cells_each_donor_to_one_new_shard()
    {
        for (var n = 1; n <= 8; n++)
        {
            var plan = RebalancePlanner.Plan(RebalancePlanner.InitialAssignment(Slots, n), 2 * n);

            AssertBalanced(plan.After, 2 * n);
            plan.Summary.FractionMoved.Should().BeApproximately(0.5, 1e-3);
            plan.Summary.CellsMoved.Should().Be(plan.Summary.MinimumCellsMoved);
            plan.Moves.Should().HaveCount(n);
            plan.Moves.Should().OnlyContain(m => m.To >= n && m.From < n && m.Cells.Ranges.Length == 1);
        }
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 1)]
    [InlineData(16, 9)]
    public void Shrinking_drains_only_the_removed_shards_and_moves_nothing_else(int from, int to)
    {
        var current = RebalancePlanner.InitialAssignment(Slots, from);

        var plan = RebalancePlanner.Plan(current, to);

        AssertBalanced(plan.After, to);
        plan.Moves.Should().OnlyContain(m => m.From >= to && m.To < to);
        plan.Summary.CellsMoved.Should().Be(Enumerable.Range(to, from - to).Sum(id => current.CountOf(id)));
        plan.Summary.CellsMoved.Should().Be(plan.Summary.MinimumCellsMoved);
        plan.DrainedShards.Should().Equal(Enumerable.Range(to, from - to));
        plan.After.Shards.Where(kv => kv.Key >= to).Should().OnlyContain(kv => kv.Value.IsEmpty);
    }

    [Fact]
    public void Any_assignment_is_balanced_with_the_fewest_moves_that_brute_force_finds()
    {
        var random = new Random(99);
        for (var round = 0; round < 300; round++)
        {
            var slots = random.Next(1, 400);
            var currentShards = random.Next(1, Math.Min(slots, 7) + 1);
            var ids = Enumerable.Range(0, currentShards).ToArray();
            var current = new CellAssignment(slots, RandomTables.RandomOwnership(random, slots, ids));
            var target = random.Next(1, Math.Min(slots, 7) + 1);

            var plan = RebalancePlanner.Plan(current, target);

            AssertBalanced(plan.After, target);
            plan.Summary.CellsMoved.Should().Be(BruteForceMinimum(current, target), $"{current} -> {target}");
            plan.Summary.CellsMoved.Should().Be(plan.Summary.MinimumCellsMoved);
            plan.After.Should().BeEquivalentTo(RebalancePlanner.ApplyMoves(current, plan.Moves));

            // Each cell moves at most once, and only away from a shard that had more than its target.
            plan.Moves.SelectMany(m => m.Cells.Cells()).Should().OnlyHaveUniqueItems();
            foreach (var move in plan.Moves)
            {
                current.CellsOf(move.From).ContainsAll(move.Cells).Should().BeTrue();
                plan.After.CellsOf(move.To).ContainsAll(move.Cells).Should().BeTrue();
            }
        }
    }

    [Fact]
    public void A_balanced_assignment_planned_to_the_same_count_moves_nothing()
    {
        var current = RebalancePlanner.InitialAssignment(Slots, 5);

        var plan = RebalancePlanner.Plan(current, 5);

        plan.Moves.Should().BeEmpty();
        plan.Summary.FractionMoved.Should().Be(0);
        plan.Summary.HashModBaselineFraction.Should().Be(0);
    }

    [Fact]
    public void ApplyMoves_refuses_a_move_whose_source_does_not_own_the_cells()
    {
        var current = RebalancePlanner.InitialAssignment(16, 2);

        FluentActions.Invoking(() => RebalancePlanner.ApplyMoves(current, [new CellMove(CellSet.Parse("7-8"), 0, 1)]))
            .Should().Throw<ArgumentException>().WithMessage("*cells 8*shard 0 does not own*");
    }

    [Fact]
    public void The_estimated_points_moved_follow_the_share_of_each_donors_cells()
    {
        var current = RebalancePlanner.InitialAssignment(16, 2);

        var plan = RebalancePlanner.Plan(current, 4, new Dictionary<int, long> { [0] = 1000, [1] = 3000 });

        plan.Summary.TotalPoints.Should().Be(4000);
        plan.Summary.EstimatedPointsMoved.Should().Be(500 + 1500);
        plan.Summary.ToString().Should().Contain("8 of 16 cells").And.Contain("about 2000 of 4000 points");
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(6, 4)]
    [InlineData(5, 7)]
    public void The_hash_mod_N_baseline_matches_the_share_of_real_ids_whose_shard_changes(int from, int to)
    {
        var hashes = Enumerable.Range(0, 100_000).Select(i => PointKey.FromUlong((ulong)i).Hash()).ToList();

        var measured = RebalancePlanner.HashModFractionMoved(hashes, from, to);

        measured.Should().BeApproximately(RebalancePlanner.HashModFractionMoved(from, to), 0.01);
    }

    private static void AssertBalanced(CellAssignment assignment, int shards)
    {
        var ideal = (double)assignment.Slots / shards;
        for (var id = 0; id < shards; id++)
        {
            ((double)assignment.CountOf(id)).Should().BeInRange(ideal - 1, ideal + 1, $"shard {id} of {shards}");
        }

        assignment.Shards.Where(kv => kv.Key >= shards || kv.Key < 0).All(kv => kv.Value.IsEmpty).Should().BeTrue("shards beyond the new count own nothing");
        assignment.Shards.Sum(kv => kv.Value.Count).Should().Be(assignment.Slots);
    }

    /// <summary>The least excess over every way of handing the slots % M extra cells to M shards.</summary>
    private static long BruteForceMinimum(CellAssignment current, int shards)
    {
        var baseCount = current.Slots / shards;
        var extra = current.Slots % shards;
        var removed = current.ShardIds.Where(id => id >= shards).Sum(current.CountOf);
        var best = long.MaxValue;
        for (var mask = 0; mask < 1 << shards; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) != extra)
            {
                continue;
            }

            var excess = Enumerable.Range(0, shards).Sum(id => Math.Max(0, current.CountOf(id) - baseCount - ((mask >> id) & 1)));
            best = Math.Min(best, excess + removed);
        }

        return best;
    }
}
