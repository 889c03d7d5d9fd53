using System.Globalization;
using Prometheus;
using RagOperator.Observability.Metrics;
using RagOperator.Routing;

namespace RagOperator.Router.Telemetry;

/// <summary>
/// The router's metrics, from the catalogue in <see cref="RagInstruments"/>, on the router's own registry (several
/// routers in one process — tests, the sandbox — each serve only their own series). The routing version is read
/// from the routing table holder when the registry is scraped.
/// </summary>
public sealed class RouterMetrics
{
    private readonly ConsistentHistogram requestDuration;
    private readonly ConsistentHistogram shardDuration;
    private readonly ConsistentHistogram fanOut;
    private readonly Counter hedges;
    private readonly Gauge circuits;
    private readonly Counter partial;
    private readonly Counter errors;
    private readonly Counter rejections;
    private readonly string collection;

    public RouterMetrics(CollectorRegistry registry, string collection, Func<long> routingVersion)
    {
        this.collection = collection;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        requestDuration = RagInstruments.RouterRequestDuration.CreateHistogram(factory);
        shardDuration = RagInstruments.RouterShardRequestDuration.CreateHistogram(factory);
        fanOut = RagInstruments.RouterFanOut.CreateHistogram(factory);
        hedges = RagInstruments.RouterShardHedges.CreateCounter(factory);
        circuits = RagInstruments.RouterShardCircuitOpen.CreateGauge(factory);
        partial = RagInstruments.RouterPartialResults.CreateCounter(factory);
        errors = RagInstruments.RouterErrors.CreateCounter(factory);
        rejections = RagInstruments.RouterRoutingRejections.CreateCounter(factory);
        var version = RagInstruments.RouterRoutingVersion.CreateGauge(factory).WithLabels(collection);
        registry.AddBeforeCollectCallback(() => version.Set(routingVersion()));
    }

    public void Request(string endpoint, int code, TimeSpan elapsed) =>
        requestDuration.WithLabels(collection, endpoint, code.ToString(CultureInfo.InvariantCulture)).Observe(elapsed.TotalSeconds);

    public void ShardCall(int shard, string operation, string outcome, TimeSpan elapsed) =>
        shardDuration.WithLabels(collection, shard.ToString(CultureInfo.InvariantCulture), operation, outcome).Observe(elapsed.TotalSeconds);

    /// <summary>Publishes a shard's hedge counter and breaker gauges at zero from its first call on, so rates and alerts need no special case.</summary>
    public void ShardSeen(int shard)
    {
        var label = shard.ToString(CultureInfo.InvariantCulture);
        hedges.WithLabels(collection, label).Inc(0);
        circuits.WithLabels(collection, label, "read").Set(0);
        circuits.WithLabels(collection, label, "write").Set(0);
    }

    public void Hedged(int shard) => hedges.WithLabels(collection, shard.ToString(CultureInfo.InvariantCulture)).Inc();

    public void Circuit(int shard, string operation, Polly.CircuitBreaker.CircuitState state) =>
        circuits.WithLabels(collection, shard.ToString(CultureInfo.InvariantCulture), operation)
            .Set(state is Polly.CircuitBreaker.CircuitState.Closed ? 0 : 1);

    public void FanOut(int shards) => fanOut.WithLabels(collection).Observe(shards);

    public void PartialResult() => partial.WithLabels(collection).Inc();

    public void Error(string kind) => errors.WithLabels(collection, kind).Inc();

    public void RoutingRejected(RoutingTableUpdateOutcome outcome) => rejections.WithLabels(collection, outcome.ToString()).Inc();
}
