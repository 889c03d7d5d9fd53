using FluentAssertions;
using RagOperator.Demo.Measurement;
using RagOperator.Workload;
using Xunit;

namespace RagOperator.IntegrationTests.Demo;

public sealed class DemoMeasurementTests
{
    private static Dictionary<ulong, List<PointCopy>> Scan(params (ulong Id, int Shard)[] points) =>
        points.GroupBy(p => p.Id).ToDictionary(g => g.Key, g => g.Select(p => new PointCopy(p.Shard, 1, 0, 1)).ToList());

    [Fact]
    public void Moved_fraction_counts_only_points_present_in_both_scans()
    {
        var before = Scan((1, 0), (2, 0), (3, 1), (4, 1), (5, 1));
        var after = Scan((1, 0), (2, 2), (3, 1), (4, 3), (6, 2));

        var moved = MovedFraction.Measure(before, after);

        moved.Compared.Should().Be(4, "point 5 was deleted and point 6 inserted in between");
        moved.Moved.Should().Be(2);
        moved.Value.Should().Be(0.5);
    }

    [Fact]
    public void A_point_with_an_extra_copy_after_the_migration_counts_as_moved()
    {
        var moved = MovedFraction.Measure(Scan((1, 0)), Scan((1, 0), (1, 2)));

        moved.Moved.Should().Be(1);
    }

    [Theory]
    [InlineData(2, 4, 0.5)]
    [InlineData(2, 3, 1.0 / 3)]
    [InlineData(4, 5, 0.2)]
    [InlineData(4, 2, 0.5)]
    [InlineData(3, 1, 2.0 / 3)]
    public void Optimal_fraction_is_the_share_of_the_shards_that_gain_or_lose_cells(int from, int to, double expected) =>
        MovedFraction.Optimal(from, to).Should().BeApproximately(expected, 1e-12);

    [Fact]
    public void The_summary_ends_with_the_six_invariant_lines_in_order()
    {
        var report = new InvariantReport { PointsAcknowledged = 1234, LostWrites = 1, ResurrectedDeletes = 2, PointsOnWrongOrMultipleShards = 3, FailedSearches = 4 };

        var lines = DemoSummary.FinalLines(report, new MovedFraction(1000, 497), 2, 4);

        lines.Should().Equal(
            "points_acknowledged: 1234",
            "lost_writes: 1",
            "resurrected_deletes: 2",
            "points_on_wrong_or_multiple_shards: 3",
            "failed_searches: 4",
            "moved_fraction: 0.4970 (optimal 0.5000)");
    }

    [Fact]
    public void Diagnostics_name_unexpected_points_and_examples()
    {
        var report = new InvariantReport { UnexpectedPoints = 2, Examples = ["point 7: never written but found"] };

        DemoSummary.DiagnosticLines(report).Should().Equal("unexpected_points: 2", "  point 7: never written but found");
    }

    [Fact]
    public void Phase_timeline_measures_a_phase_from_its_first_sighting_to_the_next_phase()
    {
        var timeline = new PhaseTimeline();
        timeline.Observe("Planned", TimeSpan.FromSeconds(0.5));
        timeline.Observe("Copying", TimeSpan.FromSeconds(1));
        timeline.Observe("Copying", TimeSpan.FromSeconds(2));
        timeline.Observe("Verifying", TimeSpan.FromSeconds(4.5));

        timeline.DurationOf("Copying").Should().Be(TimeSpan.FromSeconds(3.5));
        timeline.DurationOf("Verifying").Should().BeNull("it is still the current phase");
        timeline.DurationOf("Done").Should().BeNull();
        timeline.ToString().Should().Be("Planned +0.5s, Copying +1.0s, Verifying +4.5s");
    }
}
