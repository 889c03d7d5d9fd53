using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using RagOperator.Observability;
using RagOperator.Observability.Metrics;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Hosting;

/// <summary>
/// Per-collection gauges on the meter <c>RagOperator.Operator</c>: shards ready and desired, points per shard and
/// the active routing version, as the last reconcile saw them. Observable gauges read a snapshot, so a deleted
/// collection simply disappears from the next scrape. Reconcile counts and durations come from the controller
/// runtime's own meter.
/// </summary>
public sealed class OperatorMetrics : IDisposable
{
    private readonly Meter meter;
    private readonly ConcurrentDictionary<(string Namespace, string Collection), Snapshot> collections = new();

    public OperatorMetrics(IMeterFactory? factory = null)
    {
        meter = factory?.Create(RagMeters.Operator) ?? new Meter(RagMeters.Operator);
        meter.CreateObservableGauge(RagInstruments.ShardsReady.Name, () => Each(s => s.ShardsReady), description: RagInstruments.ShardsReady.Description);
        meter.CreateObservableGauge(RagInstruments.ShardsDesired.Name, () => Each(s => s.ShardsDesired), description: RagInstruments.ShardsDesired.Description);
        meter.CreateObservableGauge(RagInstruments.RoutingVersion.Name, () => Each(s => s.RoutingVersion), description: RagInstruments.RoutingVersion.Description);
        meter.CreateObservableGauge(RagInstruments.Points.Name, PointsPerShard, description: RagInstruments.Points.Description);
    }

    public void Record(ReconcileContext context)
    {
        var shards = context.Facts.Shards;
        collections[(context.Namespace, context.Name)] = new Snapshot(
            shards.Count(s => s.Ready),
            context.Spec.Shards,
            context.Table?.Version ?? 0,
            shards.Where(s => s.Points is not null).Select(s => (s.Index, s.Points!.Value)).ToList());
    }

    public void Forget(string @namespace, string collection) => collections.TryRemove((@namespace, collection), out _);

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<long>> Each(Func<Snapshot, long> value) =>
        collections.Select(c => new Measurement<long>(value(c.Value), new(RagTags.CollectionNamespace, c.Key.Namespace), new("collection", c.Key.Collection)));

    private IEnumerable<Measurement<long>> PointsPerShard() =>
        collections.SelectMany(c => c.Value.Points.Select(p => new Measurement<long>(p.Points,
            new(RagTags.CollectionNamespace, c.Key.Namespace), new("collection", c.Key.Collection), new("shard", p.Index.ToString(CultureInfo.InvariantCulture)))));

    private sealed record Snapshot(long ShardsReady, long ShardsDesired, long RoutingVersion, IReadOnlyList<(int Index, long Points)> Points);
}
