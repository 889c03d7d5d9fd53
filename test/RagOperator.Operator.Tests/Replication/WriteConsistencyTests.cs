using FluentAssertions;
using RagOperator.Operator.Replication;
using Xunit;

namespace RagOperator.Operator.Tests.Replication;

public sealed class WriteConsistencyTests
{
    [Theory]
    [InlineData(1, 1u)]
    [InlineData(2, 1u)]
    [InlineData(3, 2u)]
    [InlineData(4, 3u)]
    [InlineData(5, 3u)]
    [InlineData(6, 4u)]
    [InlineData(7, 4u)]
    [InlineData(8, 5u)]
    [InlineData(9, 5u)]
    public void The_factor_is_a_majority_that_still_tolerates_one_pod_down(int replicas, uint factor)
    {
        WriteConsistency.Factor(replicas).Should().Be(factor);
        ((int)factor).Should().BeLessThan(Math.Max(2, replicas), "one replica may always be down for a rolling restart");
    }

    [Theory]
    [InlineData(3, 1u, false, 1u)] // raising 1→3: not before all replicas are Active
    [InlineData(3, 1u, true, 2u)] // ...then raised
    [InlineData(2, 2u, false, 1u)] // lowering 3→2: at once, before any replica is dropped
    [InlineData(3, 2u, false, 2u)] // a pod restarting: unchanged
    public void The_factor_rises_only_when_settled_and_falls_at_once(int desired, uint current, bool settled, uint target) =>
        WriteConsistency.Target(desired, current, settled).Should().Be(target);
}
