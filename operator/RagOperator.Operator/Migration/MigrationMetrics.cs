using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RagOperator.Observability;
using RagOperator.Observability.Metrics;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Migration metrics on the meter <c>RagOperator.Migration</c>, tagged with the collection and its namespace:
/// <list type="bullet">
/// <item><c>ragoperator_migration_points_copied_total</c> (counter): points the copier wrote to targets;
/// <c>rate()</c> of it is the copy rate as Prometheus sees it.</item>
/// <item><c>ragoperator_migration_batch_size</c> (histogram): points read per copy batch.</item>
/// <item><c>ragoperator_migration_phase</c> (gauge): 1 for the phase the collection's migration is in, 0 for the other phases.</item>
/// <item><c>ragoperator_migration_points_per_second</c> (gauge): the copy rate the operator measured (the one in
/// status.migration.progress), 0 outside Copying.</item>
/// </list>
/// </summary>
public sealed class MigrationMetrics : IDisposable
{
    private readonly Meter meter;
    private readonly Counter<long> pointsCopied;
    private readonly Histogram<long> batchSize;
    private readonly ConcurrentDictionary<(string Namespace, string Collection), (ApiMigrationPhase Phase, double Rate)> current = new();

    public MigrationMetrics(IMeterFactory? factory = null)
    {
        meter = factory?.Create(RagMeters.Migration) ?? new Meter(RagMeters.Migration);
        pointsCopied = meter.CreateCounter<long>(RagInstruments.PointsCopied.Name, description: RagInstruments.PointsCopied.Description);
        batchSize = meter.CreateHistogram<long>(RagInstruments.MigrationBatchSize.Name, RagInstruments.MigrationBatchSize.Unit, RagInstruments.MigrationBatchSize.Description);
        meter.CreateObservableGauge(RagInstruments.MigrationPhase.Name, PhaseMeasurements, description: RagInstruments.MigrationPhase.Description);
        meter.CreateObservableGauge(RagInstruments.MigrationCopyRate.Name, RateMeasurements, description: RagInstruments.MigrationCopyRate.Description);
    }

    public void Copied(string @namespace, string collection, long upserted, int scanned)
    {
        var tags = Tags(@namespace, collection);
        if (upserted > 0) pointsCopied.Add(upserted, tags);
        batchSize.Record(scanned, tags);
    }

    public void Observe(string @namespace, string collection, ApiMigrationPhase phase, double pointsPerSecond) =>
        current[(@namespace, collection)] = (phase, phase == ApiMigrationPhase.Copying ? pointsPerSecond : 0);

    public void Forget(string @namespace, string collection) => current.TryRemove((@namespace, collection), out _);

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<long>> PhaseMeasurements() =>
        current.SelectMany(c => Enum.GetValues<ApiMigrationPhase>().Select(phase => new Measurement<long>(
            phase == c.Value.Phase ? 1 : 0,
            [.. Tags(c.Key.Namespace, c.Key.Collection), new(RagTags.Phase, phase.ToString())])));

    private IEnumerable<Measurement<double>> RateMeasurements() =>
        current.Select(c => new Measurement<double>(c.Value.Rate, Tags(c.Key.Namespace, c.Key.Collection)));

    private static KeyValuePair<string, object?>[] Tags(string @namespace, string collection) =>
        [new(RagTags.CollectionNamespace, @namespace), new(RagTags.Collection, collection)];
}
