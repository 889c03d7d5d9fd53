using Prometheus;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// The metrics the operator and the router publish, as prometheus-net instruments: name, type, help, label names
/// and (for histograms) buckets. The Grafana dashboard in <c>charts/rag-operator</c> queries exactly these names (a
/// test checks it), so code that records a metric the dashboard shows creates it from here.
/// <para>
/// A collection's namespace is the label <see cref="RagTags.CollectionNamespace"/>, never <c>namespace</c>: Prometheus
/// attaches the scraped pod's own <c>namespace</c> label and would rename a clashing one to <c>exported_namespace</c>.
/// </para>
/// </summary>
public static class RagInstruments
{
    /// <summary>
    /// Latency buckets in seconds, from 1 ms (a cached routing lookup) to 60 s (a slow migration batch or a
    /// stuck API call), roughly ×2.5 apart so p50/p99 interpolation stays within one bucket of the truth.
    /// </summary>
    public static readonly IReadOnlyList<double> SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Fan-out width counts shards, not seconds.</summary>
    public static readonly IReadOnlyList<double> FanOutBuckets = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

    /// <summary>Migration batches copy up to thousands of points; their sizes get their own buckets.</summary>
    public static readonly IReadOnlyList<double> BatchSizeBuckets = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    // The Kubernetes API client
    public static readonly InstrumentSpec ApiRequests = InstrumentSpec.Counter("kubernetes_api_requests_total",
        "Kubernetes API requests (every attempt, retries included) by verb, resource and response code (or error).", "verb", "resource", "code");

    // The controller runtime; names follow controller-runtime so familiar dashboards carry over.
    public static readonly InstrumentSpec Reconciles = InstrumentSpec.Counter("controller_runtime_reconcile_total",
        "Reconciles by controller, kind and result (success, requeue, requeue_after, error, cancelled).", "controller", "kind", "result");

    public static readonly InstrumentSpec ReconcileErrors = InstrumentSpec.Counter("controller_runtime_reconcile_errors_total",
        "Reconciles that failed, by controller and kind.", "controller", "kind");

    public static readonly InstrumentSpec ReconcileDuration = InstrumentSpec.Histogram("controller_runtime_reconcile_time_seconds", SecondsBuckets,
        "Duration of one reconcile, by controller and kind.", "controller", "kind");

    public static readonly InstrumentSpec WorkQueueDepth = InstrumentSpec.Gauge("workqueue_depth",
        "Items waiting in a work queue.", "name");

    public static readonly InstrumentSpec WorkQueueLatency = InstrumentSpec.Histogram("workqueue_queue_duration_seconds", SecondsBuckets,
        "Time an item waits in a work queue before a worker takes it.", "name");

    public static readonly InstrumentSpec WorkQueueAdds = InstrumentSpec.Counter("workqueue_adds_total",
        "Items added to a work queue (deduplicated adds are not counted).", "name");

    public static readonly InstrumentSpec WorkQueueRetries = InstrumentSpec.Counter("workqueue_retries_total",
        "Rate-limited re-adds to a work queue.", "name");

    public static readonly InstrumentSpec LeaderIsLeader = InstrumentSpec.Gauge("leader_is_leader",
        "1 while this process holds the leader-election lease, else 0.", "name");

    // The operator's Qdrant client
    public static readonly InstrumentSpec QdrantRequests = InstrumentSpec.Counter("qdrant_client_requests_total",
        "Qdrant HTTP requests (every attempt) by operation, outcome and shard address.", "operation", "outcome", "server_address");

    public static readonly InstrumentSpec QdrantRequestDuration = InstrumentSpec.Histogram("qdrant_client_request_duration_seconds", SecondsBuckets,
        "Qdrant HTTP request latency by operation, outcome and shard address.", "operation", "outcome", "server_address");

    public static readonly InstrumentSpec QdrantRetries = InstrumentSpec.Counter("qdrant_client_retries_total",
        "Qdrant requests retried after a transient failure.", "operation", "server_address");

    // The operator, per collection
    public static readonly InstrumentSpec ShardsReady = InstrumentSpec.Gauge("ragoperator_collection_shards_ready",
        "Shards of the collection whose StatefulSet has every replica ready.", RagTags.CollectionNamespace, RagTags.Collection);

    public static readonly InstrumentSpec ShardsDesired = InstrumentSpec.Gauge("ragoperator_collection_shards_desired",
        "Shards the collection's spec asks for.", RagTags.CollectionNamespace, RagTags.Collection);

    public static readonly InstrumentSpec Points = InstrumentSpec.Gauge("ragoperator_collection_points",
        "Points stored per shard, as Qdrant last reported them.", RagTags.CollectionNamespace, RagTags.Collection, RagTags.Shard);

    public static readonly InstrumentSpec CertificateExpiry = InstrumentSpec.Gauge("ragoperator_certificate_expiry_timestamp_seconds",
        "When each of the collection's certificates expires (Unix seconds); alert well before time() reaches it.", RagTags.CollectionNamespace, RagTags.Collection, "secret", "role");

    public static readonly InstrumentSpec CertificateRenewal = InstrumentSpec.Gauge("ragoperator_certificate_renewal_timestamp_seconds",
        "When the operator renews each of the collection's certificates (Unix seconds).", RagTags.CollectionNamespace, RagTags.Collection, "secret", "role");

    public static readonly InstrumentSpec RoutingVersion = InstrumentSpec.Gauge("ragoperator_collection_routing_version",
        "Active routing-table version published for the collection.", RagTags.CollectionNamespace, RagTags.Collection);

    // Stream migrations
    public static readonly InstrumentSpec MigrationPhase = InstrumentSpec.Gauge("ragoperator_migration_phase",
        "1 for the migration phase the collection is in (label phase), 0 for the others.", RagTags.CollectionNamespace, RagTags.Collection, RagTags.Phase);

    public static readonly InstrumentSpec PointsCopied = InstrumentSpec.Counter("ragoperator_migration_points_copied_total",
        "Points copied between shards by stream migrations; rate() of it is the copy rate.", RagTags.CollectionNamespace, RagTags.Collection);

    public static readonly InstrumentSpec MigrationBatchSize = InstrumentSpec.Histogram("ragoperator_migration_batch_size", BatchSizeBuckets,
        "Points read per copy batch.", RagTags.CollectionNamespace, RagTags.Collection);

    public static readonly InstrumentSpec MigrationCopyRate = InstrumentSpec.Gauge("ragoperator_migration_points_per_second",
        "Copy rate of the running migration as the operator measured it (status.migration.progress); 0 outside Copying.", RagTags.CollectionNamespace, RagTags.Collection);

    // The router
    public static readonly InstrumentSpec RouterRequestDuration = InstrumentSpec.Histogram("ragrouter_request_duration_seconds", SecondsBuckets,
        "Router request latency by endpoint and status code.", RagTags.Collection, RagTags.Endpoint, RagTags.Code);

    public static readonly InstrumentSpec RouterShardRequestDuration = InstrumentSpec.Histogram("ragrouter_shard_request_duration_seconds", SecondsBuckets,
        "Latency of the router's calls to each shard by operation and outcome (success, deadline, error, unreachable, rejected, shed, circuit_open, not_completed).", RagTags.Collection, RagTags.Shard, RagTags.Operation, RagTags.Outcome);

    public static readonly InstrumentSpec RouterShardHedges = InstrumentSpec.Counter("ragrouter_shard_hedged_requests_total",
        "Second searches sent to a shard that had not answered within its recent p95 latency.", RagTags.Collection, RagTags.Shard);

    public static readonly InstrumentSpec RouterShardCircuitOpen = InstrumentSpec.Gauge("ragrouter_shard_circuit_open",
        "1 while the router's circuit breaker for a shard is open or half-open (its calls fail at once), 0 when closed; by operation (read, write).",
        RagTags.Collection, RagTags.Shard, RagTags.Operation);

    public static readonly InstrumentSpec RouterFanOut = InstrumentSpec.Histogram("ragrouter_fanout_width", FanOutBuckets,
        "Shards one search fanned out to.", RagTags.Collection);

    public static readonly InstrumentSpec RouterPartialResults = InstrumentSpec.Counter("ragrouter_partial_results_total",
        "Searches answered with partial: true because a shard was missing.", RagTags.Collection);

    public static readonly InstrumentSpec RouterErrors = InstrumentSpec.Counter("ragrouter_errors_total",
        "Router errors by kind (bad_request, shard_unavailable, deadline, internal...).", RagTags.Collection, RagTags.Kind);

    public static readonly InstrumentSpec RouterRoutingVersion = InstrumentSpec.Gauge("ragrouter_routing_version",
        "Routing-table version this router serves.", RagTags.Collection);

    public static readonly InstrumentSpec RouterRoutingRejections = InstrumentSpec.Counter("ragrouter_routing_rejections_total",
        "Routing tables this router refused (malformed, stale, conflicting, other collection), by outcome.", RagTags.Collection, RagTags.Outcome);

    /// <summary>Every instrument above, in declaration order.</summary>
    public static IReadOnlyList<InstrumentSpec> All { get; } =
    [
        ApiRequests,
        Reconciles, ReconcileErrors, ReconcileDuration, WorkQueueDepth, WorkQueueLatency, WorkQueueAdds, WorkQueueRetries, LeaderIsLeader,
        QdrantRequests, QdrantRequestDuration, QdrantRetries,
        ShardsReady, ShardsDesired, Points, RoutingVersion, CertificateExpiry, CertificateRenewal,
        MigrationPhase, PointsCopied, MigrationBatchSize, MigrationCopyRate,
        RouterRequestDuration, RouterShardRequestDuration, RouterShardHedges, RouterShardCircuitOpen, RouterFanOut, RouterPartialResults, RouterErrors, RouterRoutingVersion, RouterRoutingRejections,
    ];
}

/// <summary>The Prometheus type an instrument has on <c>/metrics</c>.</summary>
public enum InstrumentKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// One metric of the catalogue. The <c>Create*</c> methods make it on a factory (and so on that factory's
/// registry); creating the same spec twice on one registry returns the same prometheus-net instrument, so several
/// components of one process add up into one family.
/// </summary>
public sealed record InstrumentSpec(string Name, InstrumentKind Kind, string Help, IReadOnlyList<string> Labels, IReadOnlyList<double>? Buckets)
{
    public static InstrumentSpec Counter(string name, string help, params string[] labels) => new(name, InstrumentKind.Counter, help, labels, null);

    public static InstrumentSpec Gauge(string name, string help, params string[] labels) => new(name, InstrumentKind.Gauge, help, labels, null);

    public static InstrumentSpec Histogram(string name, IReadOnlyList<double> buckets, string help, params string[] labels) =>
        new(name, InstrumentKind.Histogram, help, labels, buckets);

    /// <summary>The series names this family writes: a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c>, else the name itself.</summary>
    public IReadOnlyList<string> SeriesNames => Kind == InstrumentKind.Histogram
        ? [$"{Name}_bucket", $"{Name}_sum", $"{Name}_count"]
        : [Name];

    public Counter CreateCounter(IMetricFactory factory)
    {
        Expect(InstrumentKind.Counter);
        return factory.CreateCounter(Name, Help, [.. Labels]);
    }

    public Gauge CreateGauge(IMetricFactory factory)
    {
        Expect(InstrumentKind.Gauge);
        return factory.CreateGauge(Name, Help, [.. Labels]);
    }

    public ConsistentHistogram CreateHistogram(IMetricFactory factory)
    {
        Expect(InstrumentKind.Histogram);
        return new ConsistentHistogram(factory.CreateHistogram(Name, Help, [.. Labels], new HistogramConfiguration { Buckets = [.. Buckets!] }));
    }

    private void Expect(InstrumentKind kind)
    {
        if (Kind != kind)
        {
            throw new InvalidOperationException($"{Name} is a {Kind}, not a {kind}.");
        }
    }
}
