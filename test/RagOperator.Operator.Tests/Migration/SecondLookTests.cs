using FluentAssertions;
using RagOperator.Operator.Migration;
using RagOperator.Qdrant;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

public sealed class SecondLookTests
{
    /// <summary>Records each pause asked for and lets it pass at once.</summary>
    private sealed class RecordedPauses : TimeProvider
    {
        public List<TimeSpan> Pauses { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (Pauses) Pauses.Add(dueTime);
            return base.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }

    private static readonly List<PointId> Suspects = [1UL, 2UL, 3UL];

    [Fact]
    public async Task A_difference_that_persists_is_read_four_times_with_doubling_pauses()
    {
        var time = new RecordedPauses();
        var looks = new List<int>();

        var persistent = await SecondLook.PersistentAsync(Suspects, TimeSpan.FromMilliseconds(200), SecondLook.Looks, time, (ids, _) =>
        {
            looks.Add(ids.Count);
            return Task.FromResult(ids.Where(id => id == PointId.FromNumber(2)).ToList());
        }, CancellationToken.None);

        persistent.Should().Equal(PointId.FromNumber(2));
        looks.Should().Equal([3, 1, 1, 1], "only what still differs is read again");
        time.Pauses.Select(p => p.TotalMilliseconds).Should().Equal(200, 400, 800, 1600);
    }

    [Fact]
    public async Task Looking_stops_as_soon_as_every_difference_has_settled()
    {
        var time = new RecordedPauses();
        var look = 0;

        var persistent = await SecondLook.PersistentAsync(Suspects, TimeSpan.FromMilliseconds(200), SecondLook.Looks, time, (ids, _) =>
            Task.FromResult(++look < 2 ? ids : []), CancellationToken.None);

        persistent.Should().BeEmpty();
        look.Should().Be(2);
        time.Pauses.Should().HaveCount(2);
    }

    [Fact]
    public async Task Without_a_settle_pause_the_looks_follow_each_other_at_once()
    {
        var time = new RecordedPauses();

        var persistent = await SecondLook.PersistentAsync(Suspects, TimeSpan.Zero, SecondLook.Looks, time, (ids, _) => Task.FromResult(ids), CancellationToken.None);

        persistent.Should().Equal(Suspects);
        time.Pauses.Should().BeEmpty();
    }

    [Fact]
    public async Task A_pass_that_has_already_repaired_something_reads_a_difference_again_once()
    {
        var time = new RecordedPauses();
        var looks = 0;

        var persistent = await SecondLook.PersistentAsync(Suspects, TimeSpan.FromMilliseconds(200), SecondLook.LooksFor(passClean: false), time, (ids, _) =>
        {
            looks++;
            return Task.FromResult(ids);
        }, CancellationToken.None);

        persistent.Should().Equal(Suspects);
        looks.Should().Be(1);
        time.Pauses.Select(p => p.TotalMilliseconds).Should().Equal(200);
    }
}
