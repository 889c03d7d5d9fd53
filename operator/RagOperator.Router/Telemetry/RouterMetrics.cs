using System.Diagnostics.Metrics;
using RagOperator.Observability;
using RagOperator.Observability.Metrics;
using RagOperator.Routing;

namespace RagOperator.Router.Telemetry;

/// <summary>
/// The router's instruments on meter <c>RagOperator.Router</c>, named after the catalogue in
/// <see cref="RagInstruments"/>. Every instrument carries a <c>router</c> tag (the replica name) so that several
/// routers in one process (tests, the sandbox) keep separate series; in a cluster it equals the pod name.
/// </summary>
public sealed class RouterMetrics : IDisposable
{
    public const string RoutingRejectionsName = "ragrouter_routing_rejections_total";

    private readonly Meter meter;
    private readonly Histogram<double> requestDuration;
    private readonly Histogram<double> shardDuration;
    private readonly Histogram<int> fanOut;
    private readonly Counter<long> partial;
    private readonly Counter<long> errors;
    private readonly Counter<long> rejections;
    private readonly string collection;

    public RouterMetrics(string collection, string routerName, Func<long> routingVersion)
    {
        this.collection = collection;
        meter = new Meter(RagMeters.Router);
        KeyValuePair<string, object?>[] tags = [new("router", routerName)];
        requestDuration = meter.CreateHistogram<double>(
            RagInstruments.RouterRequestDuration.Name, RagInstruments.RouterRequestDuration.Unit, RagInstruments.RouterRequestDuration.Description, tags);
        shardDuration = meter.CreateHistogram<double>(
            RagInstruments.RouterShardRequestDuration.Name, RagInstruments.RouterShardRequestDuration.Unit, RagInstruments.RouterShardRequestDuration.Description, tags);
        fanOut = meter.CreateHistogram<int>(
            RagInstruments.RouterFanOut.Name, RagInstruments.RouterFanOut.Unit, RagInstruments.RouterFanOut.Description, tags);
        partial = meter.CreateCounter<long>(
            RagInstruments.RouterPartialResults.Name, RagInstruments.RouterPartialResults.Unit, RagInstruments.RouterPartialResults.Description, tags);
        errors = meter.CreateCounter<long>(
            RagInstruments.RouterErrors.Name, RagInstruments.RouterErrors.Unit, RagInstruments.RouterErrors.Description, tags);
        rejections = meter.CreateCounter<long>(
            RoutingRejectionsName, null, "Routing tables this router refused (malformed, stale, conflicting, other collection), by outcome.", tags);
        meter.CreateObservableGauge(
            RagInstruments.RouterRoutingVersion.Name,
            () => new Measurement<long>(routingVersion(), new KeyValuePair<string, object?>(RagTags.Collection, collection)),
            RagInstruments.RouterRoutingVersion.Unit, RagInstruments.RouterRoutingVersion.Description, tags);
    }

    public void Request(string endpoint, int code, TimeSpan elapsed) =>
        requestDuration.Record(elapsed.TotalSeconds, new(RagTags.Collection, collection), new(RagTags.Endpoint, endpoint), new(RagTags.Code, code));

    public void ShardCall(int shard, string operation, string outcome, TimeSpan elapsed) =>
        shardDuration.Record(elapsed.TotalSeconds, new(RagTags.Collection, collection), new(RagTags.Shard, shard), new(RagTags.Operation, operation), new(RagTags.Outcome, outcome));

    public void FanOut(int shards) => fanOut.Record(shards, new KeyValuePair<string, object?>(RagTags.Collection, collection));

    public void PartialResult() => partial.Add(1, new KeyValuePair<string, object?>(RagTags.Collection, collection));

    public void Error(string kind) => errors.Add(1, new(RagTags.Collection, collection), new(RagTags.Kind, kind));

    public void RoutingRejected(RoutingTableUpdateOutcome outcome) =>
        rejections.Add(1, new(RagTags.Collection, collection), new(RagTags.Outcome, outcome.ToString()));

    public void Dispose() => meter.Dispose();
}
