using System.Globalization;
using FluentAssertions;
using RagOperator.Operator.Snapshots;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

public sealed class CronExpressionTests
{
    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static TheoryData<string, string, string> NextCases => new()
    {
        // expression, after (UTC), next (UTC)
        { "* * * * *", "2025-03-01T10:15:30Z", "2025-03-01T10:16:00Z" },
        { "* * * * *", "2025-03-01T10:15:00Z", "2025-03-01T10:16:00Z" },
        { "30 2 * * *", "2025-03-01T02:30:00Z", "2025-03-02T02:30:00Z" },
        { "30 2 * * *", "2025-03-01T02:29:59Z", "2025-03-01T02:30:00Z" },
        { "*/15 * * * *", "2025-03-01T10:16:00Z", "2025-03-01T10:30:00Z" },
        { "0 */6 * * *", "2025-03-01T13:00:00Z", "2025-03-01T18:00:00Z" },
        { "5-10/2 * * * *", "2025-03-01T10:06:00Z", "2025-03-01T10:07:00Z" },
        { "5/20 * * * *", "2025-03-01T10:26:00Z", "2025-03-01T10:45:00Z" },
        { "0 9 * * MON-FRI", "2025-03-01T00:00:00Z", "2025-03-03T09:00:00Z" },   // Saturday -> Monday
        { "0 0 * * 7", "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z" },         // 7 is Sunday
        { "0 0 * * sun", "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z" },
        { "0 0 1 jan *", "2025-03-01T00:00:00Z", "2026-01-01T00:00:00Z" },
        { "0 0 29 2 *", "2025-01-01T00:00:00Z", "2028-02-29T00:00:00Z" },        // next leap day
        { "0 0 31 * *", "2025-04-01T00:00:00Z", "2025-05-31T00:00:00Z" },        // April has 30 days
        { "0 12 13 * 5", "2025-06-01T00:00:00Z", "2025-06-06T12:00:00Z" },       // day 13 OR Friday
        { "0 12 */10 * *", "2025-06-02T00:00:00Z", "2025-06-11T12:00:00Z" },     // day field starts with *: days 1,11,21,31
        { "0 0 1,15 * *", "2025-06-02T00:00:00Z", "2025-06-15T00:00:00Z" },
        { "@hourly", "2025-06-02T10:59:00Z", "2025-06-02T11:00:00Z" },
        { "@daily", "2025-06-02T10:59:00Z", "2025-06-03T00:00:00Z" },
        { "@weekly", "2025-06-02T10:59:00Z", "2025-06-08T00:00:00Z" },
        { "@monthly", "2025-06-02T10:59:00Z", "2025-07-01T00:00:00Z" },
        { "@yearly", "2025-06-02T10:59:00Z", "2026-01-01T00:00:00Z" },
        { "59 23 31 12 *", "2025-12-31T23:59:00Z", "2026-12-31T23:59:00Z" },
    };

    [Theory]
    [MemberData(nameof(NextCases))]
    public void The_next_run_is_the_first_matching_minute_after_the_given_time(string expression, string after, string expected)
    {
        CronExpression.Parse(expression).Next(At(after)).Should().Be(At(expected));
    }

    public static TheoryData<string, string> InvalidCases => new()
    {
        { "* * * *", "has 5 fields" },
        { "* * * * * *", "has 5 fields" },
        { "60 * * * *", "60 in the minute field is out of range 0-59" },
        { "* 24 * * *", "24 in the hour field is out of range 0-23" },
        { "* * 0 * *", "0 in the day of month field is out of range 1-31" },
        { "* * * 13 *", "13 in the month field is out of range 1-12" },
        { "* * * * 8", "8 in the day of week field is out of range 0-7" },
        { "10-5 * * * *", "runs backwards; write it as 5-10" },
        { "*/0 * * * *", "must be a number from 1 to 59" },
        { "1,,2 * * * *", "empty list item" },
        { "a * * * *", "\"a\" in the minute field is not a number" },
        { "* * * FOO *", "is not a number or a name like JAN" },
        { "0 0 30 2 *", "never matches a date" },
        { "@often", "unknown macro" },
        { "", "has 5 fields" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void An_invalid_expression_is_refused_with_a_message_naming_the_problem(string expression, string expected)
    {
        CronExpression.TryParse(expression, out var parsed, out var error).Should().BeFalse();
        parsed.Should().BeNull();
        error.Should().Contain(expected);
    }

    [Fact]
    public void The_last_run_in_a_window_is_the_latest_matching_minute_at_or_before_its_end()
    {
        var cron = CronExpression.Parse("0 * * * *");

        cron.LastBetween(At("2025-01-01T00:00:00Z"), At("2025-01-01T05:30:00Z")).Should().Be(At("2025-01-01T05:00:00Z"));
        cron.LastBetween(At("2025-01-01T05:00:00Z"), At("2025-01-01T05:59:00Z")).Should().BeNull("the window starts after 05:00");
        cron.LastBetween(At("2025-01-01T04:59:00Z"), At("2025-01-01T05:00:00Z")).Should().Be(At("2025-01-01T05:00:00Z"));
    }
}
