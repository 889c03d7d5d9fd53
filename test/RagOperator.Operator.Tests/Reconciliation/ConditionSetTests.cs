using FluentAssertions;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

public sealed class ConditionSetTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, 250, TimeSpan.Zero);

    [Fact]
    public void Restating_a_condition_keeps_its_transition_time()
    {
        var time = new ManualTime(Start);
        var first = new ConditionSet(null, 1, time);
        first.Set("Ready", false, "WaitingForShards", "0/2");
        var stored = first.ToList();
        stored.Single().LastTransitionTime.Should().Be(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero), "times are whole seconds like metav1.Time");

        time.Advance(TimeSpan.FromMinutes(5));
        var second = new ConditionSet(stored, 1, time);
        second.Set("Ready", false, "WaitingForShards", "1/2");
        second.ToList().Single().LastTransitionTime.Should().Be(stored.Single().LastTransitionTime);
        second.ToList().Single().Message.Should().Be("1/2");

        second.Set("Ready", true, "Ready", "2/2");
        second.ToList().Single().LastTransitionTime.Should().Be(new DateTimeOffset(2025, 1, 1, 12, 5, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Conditions_are_listed_in_a_fixed_order()
    {
        var set = new ConditionSet([new Condition { Type = "Custom", Status = "True" }, new Condition { Type = "Degraded", Status = "False" }], 3, new ManualTime(Start));
        set.Set("Progressing", true, "x", "y");
        set.Set("Ready", false, "x", "y");

        set.ToList().Select(c => c.Type).Should().Equal("Ready", "Progressing", "Degraded", "Custom");
        set.Get("Ready")!.ObservedGeneration.Should().Be(3);
    }
}
