using FluentAssertions;
using Xunit;

namespace RagOperator.Workload.Tests;

public sealed class AckOracleTests
{
    [Theory]
    // ops: "a:<seq>" acknowledged upsert, "d" acknowledged delete, "f:<seq>" failed upsert, "fd" failed delete
    [InlineData("a:1", 1L, Verdict.Ok)]
    [InlineData("a:1", null, Verdict.LostWrite)]
    [InlineData("a:1 a:2", 1L, Verdict.LostWrite)]
    [InlineData("a:1 a:2", 2L, Verdict.Ok)]
    [InlineData("a:1 d", null, Verdict.Ok)]
    [InlineData("a:1 d", 1L, Verdict.ResurrectedDelete)]
    [InlineData("a:1 f:2", 1L, Verdict.Ok)]
    [InlineData("a:1 f:2", 2L, Verdict.Ok)]
    [InlineData("a:1 f:2", null, Verdict.LostWrite)]
    [InlineData("a:1 fd", null, Verdict.Ok)]
    [InlineData("a:1 fd", 1L, Verdict.Ok)]
    [InlineData("a:1 fd a:3", 1L, Verdict.LostWrite)]
    [InlineData("f:1", null, Verdict.Ok)]
    [InlineData("f:1", 1L, Verdict.Ok)]
    [InlineData("a:1 d f:3", 3L, Verdict.Ok)]
    public void A_found_state_is_judged_against_the_acknowledged_history(string ops, long? found, Verdict expected)
    {
        var oracle = new AckOracle();
        foreach (var op in ops.Split(' '))
        {
            var parts = op.Split(':');
            switch (parts[0])
            {
                case "a": oracle.Acknowledged(7, long.Parse(parts[1])); break;
                case "d": oracle.Acknowledged(7, AckOracle.Absent); break;
                case "f": oracle.Failed(7, long.Parse(parts[1])); break;
                case "fd": oracle.Failed(7, AckOracle.Absent); break;
            }
        }

        oracle.Judge(7, found).Should().Be(expected);
    }

    [Fact]
    public void A_point_that_was_never_written_is_unexpected()
    {
        new AckOracle().Judge(99, 5).Should().Be(Verdict.Unexpected);
        new AckOracle().Judge(99, null).Should().Be(Verdict.Ok);
    }

    [Fact]
    public void Acknowledged_and_failed_writes_are_counted_per_point()
    {
        var oracle = new AckOracle();
        oracle.Acknowledged(1, 1);
        oracle.Acknowledged(2, 2);
        oracle.Failed(3, 3);

        oracle.AcknowledgedWrites.Should().Be(2);
        oracle.FailedWrites.Should().Be(1);
        oracle.ExpectedLive().Should().BeEquivalentTo(new ulong[] { 1, 2 });
    }
}
