using Prometheus;
using RagOperator.Observability.Metrics;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Migration metrics, labelled with the collection and its namespace:
/// <list type="bullet">
/// <item><c>ragoperator_migration_points_copied_total</c> (counter): points the copier wrote to targets;
/// <c>rate()</c> of it is the copy rate as Prometheus sees it.</item>
/// <item><c>ragoperator_migration_batch_size</c> (histogram, point-count buckets): points read per copy batch.</item>
/// <item><c>ragoperator_migration_phase</c> (gauge): 1 for the phase the collection's migration is in, 0 for the other phases.</item>
/// <item><c>ragoperator_migration_points_per_second</c> (gauge): the copy rate the operator measured (the one in
/// status.migration.progress), 0 outside Copying.</item>
/// </list>
/// </summary>
public sealed class MigrationMetrics
{
    private static readonly ApiMigrationPhase[] Phases = Enum.GetValues<ApiMigrationPhase>();
    private static readonly string[] PhaseNames = [.. Phases.Select(p => p.ToString())];

    private readonly Lock gate = new();
    private readonly Counter pointsCopied;
    private readonly ConsistentHistogram batchSize;
    private readonly Gauge phase;
    private readonly Gauge rate;

    /// <param name="factory">The operator's metric factory; null keeps the figures on a registry nobody scrapes (unit tests of the step).</param>
    public MigrationMetrics(IMetricFactory? factory = null)
    {
        factory ??= Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry());
        pointsCopied = RagInstruments.PointsCopied.CreateCounter(factory);
        batchSize = RagInstruments.MigrationBatchSize.CreateHistogram(factory);
        phase = RagInstruments.MigrationPhase.CreateGauge(factory);
        rate = RagInstruments.MigrationCopyRate.CreateGauge(factory);
    }

    public void Copied(string @namespace, string collection, long upserted, int scanned)
    {
        if (upserted > 0) pointsCopied.WithLabels(@namespace, collection).Inc(upserted);
        batchSize.WithLabels(@namespace, collection).Observe(scanned);
    }

    public void Observe(string @namespace, string collection, ApiMigrationPhase current, double pointsPerSecond)
    {
        lock (gate)
        {
            for (var i = 0; i < Phases.Length; i++) phase.WithLabels(@namespace, collection, PhaseNames[i]).Set(Phases[i] == current ? 1 : 0);
            rate.WithLabels(@namespace, collection).Set(current == ApiMigrationPhase.Copying ? pointsPerSecond : 0);
        }
    }

    public void Forget(string @namespace, string collection)
    {
        lock (gate)
        {
            foreach (var name in PhaseNames) phase.RemoveLabelled(@namespace, collection, name);
            rate.RemoveLabelled(@namespace, collection);
        }
    }
}
