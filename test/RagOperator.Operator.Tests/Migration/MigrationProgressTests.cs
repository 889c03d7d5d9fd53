using System.Diagnostics.Metrics;
using FluentAssertions;
using RagOperator.Observability.Metrics;
using RagOperator.Operator.Migration;
using RagOperator.Routing;
using Xunit;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Tests.Migration;

public sealed class MigrationProgressTests
{
    [Fact]
    public async Task Progress_shows_in_status_in_aggregated_events_and_in_the_migration_metrics()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        var ids = Enumerable.Range(1, 400).Select(i => (ulong)i).ToArray();
        await harness.LoadAsync(ids);
        var before = await harness.PublishedAsync();
        using var factory = new OwnMeters();
        using var metrics = new MigrationMetrics(factory);
        using var listener = new MeterListener();
        long copied = 0, batches = 0;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == factory.Meter) l.EnableMeasurementEvents(instrument);
        };
        var phases = new Dictionary<string, long>();
        double rate = -1;
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == RagInstruments.PointsCopied.Name) copied += value;
            else if (instrument.Name == RagInstruments.MigrationBatchSize.Name) batches++;
            else if (instrument.Name == RagInstruments.MigrationPhase.Name)
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == RagTags.Phase) phases[(string)tag.Value!] = value;
                }
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == RagInstruments.MigrationCopyRate.Name) rate = value;
        });
        listener.Start();
        var step = new StreamMigrationStep(new StreamMigrationOptions { WorkBudget = TimeSpan.Zero, AckWait = TimeSpan.FromMilliseconds(30) }, metrics);
        await harness.SetShardsAsync(3);

        var sawEta = false;
        var sawRate = false;
        for (var i = 0; i < 400; i++)
        {
            var (_, context) = await harness.ReconcileAsync(step);
            var migration = context.Collection.Status!.Migration!;
            listener.RecordObservableInstruments();
            if (migration.Phase == ApiMigrationPhase.Copying && migration.Progress is { EtaSeconds: not null, PointsPerSecond: > 0 })
            {
                sawEta = true;
                context.Facts.RebalanceMessage.Should().Contain("Copying");
                phases["Copying"].Should().Be(1);
                sawRate |= rate > 0;
            }

            if (migration.Phase == ApiMigrationPhase.Done) break;
        }

        var done = (await harness.MigrationAsync())!;
        done.Phase.Should().Be(ApiMigrationPhase.Done);
        var plan = RebalancePlanner.Plan(before.OldAssignment(), 3);
        var moved = CellSet.FromRanges(plan.Moves.SelectMany(m => m.Cells.Ranges));
        var movedPoints = ids.Count(id => moved.Contains(before.CellOf(PointKey.FromUlong(id))));
        done.Progress!.PointsCopied.Should().Be(movedPoints);
        done.Progress.PointsEstimated.Should().Be(movedPoints);
        copied.Should().Be(movedPoints, "the counter counts the points written to targets");
        batches.Should().Be((long)Math.Ceiling(movedPoints / 8.0) + plan.Moves.Length - 1, "one batch-size sample per batch of 8 (a move's last page may be short)");
        sawEta.Should().BeTrue("while copying, status shows points per second and an ETA");
        sawRate.Should().BeTrue("the rate gauge follows the measured copy rate");
        listener.RecordObservableInstruments();
        phases["Done"].Should().Be(1);
        phases.Where(p => p.Key != "Done").Should().OnlyContain(p => p.Value == 0);
        rate.Should().Be(0);

        var progress = harness.Events.All.Where(e => e.Reason == "MigrationProgress").Select(e => e.Note).ToList();
        progress.Should().HaveCountGreaterThan(3).And.HaveCountLessThanOrEqualTo(10, "one event per tenth of the copy at most");
        progress[^1].Should().Contain("copied 100%");
    }

    /// <summary>Hands out one meter, so the test listens to its own instruments only.</summary>
    private sealed class OwnMeters : IMeterFactory
    {
        public Meter Meter { get; private set; } = null!;

        public Meter Create(MeterOptions options) => Meter = new Meter(options);

        public void Dispose() => Meter?.Dispose();
    }
}
