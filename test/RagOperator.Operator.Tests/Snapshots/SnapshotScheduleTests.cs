using System.Globalization;
using FluentAssertions;
using RagOperator.Operator.Snapshots;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

public sealed class SnapshotScheduleTests
{
    private static readonly CronExpression Hourly = CronExpression.Parse("0 * * * *");
    private static readonly DateTimeOffset Created = At("2025-03-01T00:10");

    private static DateTimeOffset At(string utc) =>
        DateTimeOffset.Parse(utc + ":00Z", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static ScheduledSnapshot Snap(string hour, string? phase) => new($"docs-{hour}", At($"2025-03-01T{hour}:00"), phase);

    [Fact]
    public void Nothing_is_due_before_the_first_cron_time_after_creation()
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T00:59"), null, Created, 3, false, []);

        plan.CreateFor.Should().BeNull();
        plan.NextScheduleTime.Should().Be(At("2025-03-01T01:00"));
        plan.Delete.Should().BeEmpty();
    }

    [Fact]
    public void A_due_run_creates_one_snapshot_and_the_next_run_is_the_following_cron_time()
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T01:00"), null, Created, 3, false, []);

        plan.CreateFor.Should().Be(At("2025-03-01T01:00"));
        plan.LastScheduleTime.Should().Be(At("2025-03-01T01:00"));
        plan.NextScheduleTime.Should().Be(At("2025-03-01T02:00"));
        SnapshotSchedule.SnapshotName("docs", plan.CreateFor!.Value).Should().Be("docs-20250301-0100");
    }

    [Fact]
    public void Missed_runs_are_not_caught_up_one_by_one_only_the_latest_is_taken()
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T05:30"), At("2025-03-01T01:00"), Created, 3, false, [Snap("01", "Completed")]);

        plan.CreateFor.Should().Be(At("2025-03-01T05:00"));
        plan.NextScheduleTime.Should().Be(At("2025-03-01T06:00"));
    }

    [Fact]
    public void A_run_already_taken_is_not_taken_again()
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T01:05"), null, Created, 3, false, [Snap("01", "Running")]);

        plan.CreateFor.Should().BeNull("a snapshot for 01:00 exists (its status write may have been lost)");
        plan.Skipped.Should().BeNull();
    }

    [Fact]
    public void A_run_due_while_the_previous_snapshot_still_runs_is_skipped()
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T02:00"), At("2025-03-01T01:00"), Created, 3, false, [Snap("01", "Running")]);

        plan.CreateFor.Should().BeNull();
        plan.LastScheduleTime.Should().Be(At("2025-03-01T02:00"), "the skipped run counts as scheduled");
        plan.Skipped.Should().Contain("docs-01 is still running");
    }

    public static TheoryData<string, int, ScheduledSnapshot[], string[]> RetentionCases => new()
    {
        { "under the limit", 3, [Snap("01", "Completed"), Snap("02", "Completed")], [] },
        { "oldest completed go", 2, [Snap("01", "Completed"), Snap("02", "Completed"), Snap("03", "Completed"), Snap("04", "Completed")], ["docs-01", "docs-02"] },
        { "running never go", 1, [Snap("01", "Completed"), Snap("02", "Running"), Snap("03", "Pending")], [] },
        { "failed before a success go", 3, [Snap("01", "Failed"), Snap("02", "Completed"), Snap("03", "Failed")], ["docs-01"] },
        { "failures only stay", 1, [Snap("01", "Failed"), Snap("02", "Failed")], [] },
    };

    [Theory]
    [MemberData(nameof(RetentionCases))]
    public void Retention_keeps_the_newest_completed_snapshots(string what, int retain, ScheduledSnapshot[] existing, string[] deleted)
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T04:30"), At("2025-03-01T04:00"), Created, retain, false, existing);

        plan.Delete.Should().Equal(deleted, what);
    }

    [Fact]
    public void A_suspended_schedule_creates_nothing_and_has_no_next_run_but_retention_still_applies()
    {
        var plan = SnapshotSchedule.Plan(Hourly, At("2025-03-01T05:00"), At("2025-03-01T01:00"), Created, 1,
            suspend: true, [Snap("01", "Completed"), Snap("02", "Completed")]);

        plan.CreateFor.Should().BeNull();
        plan.NextScheduleTime.Should().BeNull();
        plan.Delete.Should().Equal("docs-01");
    }

    [Fact]
    public void After_a_long_outage_only_the_catch_up_window_is_searched()
    {
        var everyMinute = CronExpression.Parse("* * * * *");
        var now = At("2025-03-01T00:10") + TimeSpan.FromDays(400);

        var plan = SnapshotSchedule.Plan(everyMinute, now, Created, Created, 3, false, []);

        plan.CreateFor.Should().Be(now);
    }
}
