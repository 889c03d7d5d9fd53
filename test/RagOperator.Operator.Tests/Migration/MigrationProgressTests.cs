using FluentAssertions;
using RagOperator.Observability.Metrics;
using RagOperator.Operator.Migration;
using RagOperator.Routing;
using RagOperator.TestSupport.Prometheus;
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
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new MigrationMetrics(Prometheus.Metrics.WithCustomRegistry(registry));
        var step = new StreamMigrationStep(new StreamMigrationOptions { WorkBudget = TimeSpan.Zero, AckWait = TimeSpan.FromMilliseconds(30) }, metrics);
        await harness.SetShardsAsync(3);

        var sawEta = false;
        var sawRate = false;
        for (var i = 0; i < 400; i++)
        {
            var (_, context) = await harness.ReconcileAsync(step);
            var migration = context.Collection.Status!.Migration!;
            var scraped = await registry.ScrapeAsync();
            if (migration.Phase == ApiMigrationPhase.Copying && migration.Progress is { EtaSeconds: not null, PointsPerSecond: > 0 })
            {
                sawEta = true;
                context.Facts.RebalanceMessage.Should().Contain("Copying");
                Phases(scraped)["Copying"].Should().Be(1);
                sawRate |= Sum(scraped, RagInstruments.MigrationCopyRate.Name) > 0;
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
        var final = await registry.ScrapeAsync();
        final.Family(RagInstruments.PointsCopied.Name).Type.Should().Be("counter");
        Sum(final, RagInstruments.PointsCopied.Name).Should().Be(movedPoints, "the counter counts the points written to targets");
        final.Family(RagInstruments.MigrationBatchSize.Name).Type.Should().Be("histogram");
        Sum(final, RagInstruments.MigrationBatchSize.Name + "_count").Should().Be((long)Math.Ceiling(movedPoints / 8.0) + plan.Moves.Length - 1, "one batch-size sample per batch of 8 (a move's last page may be short)");
        sawEta.Should().BeTrue("while copying, status shows points per second and an ETA");
        sawRate.Should().BeTrue("the rate gauge follows the measured copy rate");
        Sum(final, RagInstruments.MigrationBatchSize.Name + "_bucket", ("le", "10")).Should().Be(Sum(final, RagInstruments.MigrationBatchSize.Name + "_count"), "batches of 8 fall in the point-count bucket le=10");
        Phases(final)["Done"].Should().Be(1);
        Phases(final).Where(p => p.Key != "Done").Should().OnlyContain(p => p.Value == 0);
        Sum(final, RagInstruments.MigrationCopyRate.Name).Should().Be(0);

        var progress = harness.Events.All.Where(e => e.Reason == "MigrationProgress").Select(e => e.Note).ToList();
        progress.Should().HaveCountGreaterThan(3).And.HaveCountLessThanOrEqualTo(10, "one event per tenth of the copy at most");
        progress[^1].Should().Contain("copied 100%");
    }

    private static double Sum(Exposition exposition, string sample, params (string Name, string Value)[] labels) =>
        exposition.Families.SelectMany(f => f.Samples)
            .Where(s => s.Name == sample && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value)).Sum(s => s.Value);

    private static Dictionary<string, double> Phases(Exposition exposition) =>
        exposition.Family(RagInstruments.MigrationPhase.Name).Samples.ToDictionary(s => s.Labels[RagTags.Phase], s => s.Value);
}
