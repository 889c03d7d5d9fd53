namespace RagOperator.Observability.Metrics;

/// <summary>
/// The instruments the operator and the router publish, with the Prometheus names they become. The Grafana
/// dashboard in <c>charts/rag-operator</c> queries exactly these names (a test checks it), so code that
/// records a metric the dashboard shows should take its name, unit and tags from here.
/// <para>
/// A collection's namespace is the tag <see cref="RagTags.CollectionNamespace"/>, never <c>namespace</c>: Prometheus
/// attaches the scraped pod's own <c>namespace</c> label and would rename a clashing one to <c>exported_namespace</c>.
/// </para>
/// </summary>
public static class RagInstruments
{
    /// <summary>Fan-out width counts shards, not seconds.</summary>
    public static readonly IReadOnlyList<double> FanOutBuckets = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

    /// <summary>Migration batches copy up to thousands of points; their sizes get their own buckets.</summary>
    public static readonly IReadOnlyList<double> BatchSizeBuckets = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    // RagOperator.Kubernetes (the API client)
    public static readonly InstrumentSpec ApiRequests = new(RagMeters.Kubernetes, "kubernetes_api_requests_total", "{request}", InstrumentKind.Counter,
        "Kubernetes API requests by verb, resource and response code.", ["verb", "resource", "code"]);

    // RagOperator.Controller (controller runtime; names follow controller-runtime so familiar dashboards carry over)
    public static readonly InstrumentSpec Reconciles = new(RagMeters.Controller, "controller_runtime_reconcile_total", "{reconcile}", InstrumentKind.Counter,
        "Reconciles by controller, kind and result (success, requeue, requeue_after, error, cancelled).", ["controller", "kind", "result"]);

    public static readonly InstrumentSpec ReconcileErrors = new(RagMeters.Controller, "controller_runtime_reconcile_errors_total", "{reconcile}", InstrumentKind.Counter,
        "Reconciles that failed, by controller and kind.", ["controller", "kind"]);

    public static readonly InstrumentSpec ReconcileDuration = new(RagMeters.Controller, "controller_runtime_reconcile_time_seconds", "s", InstrumentKind.Histogram,
        "Duration of one reconcile, by controller and kind.", ["controller", "kind"]);

    public static readonly InstrumentSpec WorkQueueDepth = new(RagMeters.Controller, "workqueue_depth", "{item}", InstrumentKind.Gauge,
        "Items waiting in a work queue.", ["name"]);

    public static readonly InstrumentSpec WorkQueueLatency = new(RagMeters.Controller, "workqueue_queue_duration_seconds", "s", InstrumentKind.Histogram,
        "Time an item waits in a work queue before a worker takes it.", ["name"]);

    public static readonly InstrumentSpec WorkQueueAdds = new(RagMeters.Controller, "workqueue_adds_total", "{item}", InstrumentKind.Counter,
        "Items added to a work queue.", ["name"]);

    public static readonly InstrumentSpec WorkQueueRetries = new(RagMeters.Controller, "workqueue_retries_total", "{item}", InstrumentKind.Counter,
        "Rate-limited re-adds to a work queue.", ["name"]);

    public static readonly InstrumentSpec LeaderIsLeader = new(RagMeters.Controller, "leader_is_leader", "1", InstrumentKind.Gauge,
        "1 while this process holds the leader-election lease, else 0.", ["name"]);

    // RagOperator.Qdrant (the operator's Qdrant client)
    public static readonly InstrumentSpec QdrantRequests = new(RagMeters.Qdrant, "qdrant.client.requests", "{request}", InstrumentKind.Counter,
        "Qdrant HTTP requests by operation and outcome.", ["operation", "outcome"]);

    public static readonly InstrumentSpec QdrantRequestDuration = new(RagMeters.Qdrant, "qdrant.client.request.duration", "s", InstrumentKind.Histogram,
        "Qdrant HTTP request latency by operation and outcome.", ["operation", "outcome"]);

    public static readonly InstrumentSpec QdrantRetries = new(RagMeters.Qdrant, "qdrant.client.retries", "{retry}", InstrumentKind.Counter,
        "Qdrant requests retried after a transient failure.", ["operation"]);

    // RagOperator.Operator (per collection)
    public static readonly InstrumentSpec ShardsReady = new(RagMeters.Operator, "ragoperator_collection_shards_ready", null, InstrumentKind.Gauge,
        "Shards of the collection whose StatefulSet has every replica ready.", [RagTags.CollectionNamespace, RagTags.Collection]);

    public static readonly InstrumentSpec ShardsDesired = new(RagMeters.Operator, "ragoperator_collection_shards_desired", null, InstrumentKind.Gauge,
        "Shards the collection's spec asks for.", [RagTags.CollectionNamespace, RagTags.Collection]);

    public static readonly InstrumentSpec Points = new(RagMeters.Operator, "ragoperator_collection_points", null, InstrumentKind.Gauge,
        "Points stored per shard, as Qdrant last reported them.", [RagTags.CollectionNamespace, RagTags.Collection, RagTags.Shard]);

    public static readonly InstrumentSpec RoutingVersion = new(RagMeters.Operator, "ragoperator_collection_routing_version", null, InstrumentKind.Gauge,
        "Active routing-table version published for the collection.", [RagTags.CollectionNamespace, RagTags.Collection]);

    // RagOperator.Migration
    public static readonly InstrumentSpec MigrationPhase = new(RagMeters.Migration, "ragoperator_migration_phase", null, InstrumentKind.Gauge,
        "1 for the migration phase the collection is in (label phase), 0 for the others.", [RagTags.CollectionNamespace, RagTags.Collection, RagTags.Phase]);

    public static readonly InstrumentSpec PointsCopied = new(RagMeters.Migration, "ragoperator_migration_points_copied_total", null, InstrumentKind.Counter,
        "Points copied between shards by stream migrations; rate() of it is the copy rate.", [RagTags.CollectionNamespace, RagTags.Collection]);

    public static readonly InstrumentSpec MigrationBatchSize = new(RagMeters.Migration, "ragoperator_migration_batch_size", "{point}", InstrumentKind.Histogram,
        "Points per copy batch.", [RagTags.CollectionNamespace, RagTags.Collection]);

    public static readonly InstrumentSpec MigrationCopyRate = new(RagMeters.Migration, "ragoperator_migration_points_per_second", null, InstrumentKind.Gauge,
        "Copy rate of the running migration as the operator measured it (status.migration.progress); 0 outside Copying.", [RagTags.CollectionNamespace, RagTags.Collection]);

    // RagOperator.Router
    public static readonly InstrumentSpec RouterRequestDuration = new(RagMeters.Router, "ragrouter_request_duration", "s", InstrumentKind.Histogram,
        "Router request latency by endpoint and status code.", ["collection", "endpoint", "code"]);

    public static readonly InstrumentSpec RouterShardRequestDuration = new(RagMeters.Router, "ragrouter_shard_request_duration", "s", InstrumentKind.Histogram,
        "Latency of the router's calls to each shard by operation and outcome.", ["collection", "shard", "operation", "outcome"]);

    public static readonly InstrumentSpec RouterFanOut = new(RagMeters.Router, "ragrouter_fanout_width", "{shard}", InstrumentKind.Histogram,
        "Shards one search fanned out to.", ["collection"]);

    public static readonly InstrumentSpec RouterPartialResults = new(RagMeters.Router, "ragrouter_partial_results_total", null, InstrumentKind.Counter,
        "Searches answered with partial: true because a shard was missing.", ["collection"]);

    public static readonly InstrumentSpec RouterErrors = new(RagMeters.Router, "ragrouter_errors_total", null, InstrumentKind.Counter,
        "Router errors by kind (bad_request, shard_unavailable, deadline, internal...).", ["collection", "kind"]);

    public static readonly InstrumentSpec RouterRoutingVersion = new(RagMeters.Router, "ragrouter_routing_version", null, InstrumentKind.Gauge,
        "Routing-table version this router serves.", ["collection"]);

    /// <summary>Every instrument above, in declaration order.</summary>
    public static IReadOnlyList<InstrumentSpec> All { get; } =
    [
        ApiRequests,
        Reconciles, ReconcileErrors, ReconcileDuration, WorkQueueDepth, WorkQueueLatency, WorkQueueAdds, WorkQueueRetries, LeaderIsLeader,
        QdrantRequests, QdrantRequestDuration, QdrantRetries,
        ShardsReady, ShardsDesired, Points, RoutingVersion,
        MigrationPhase, PointsCopied, MigrationBatchSize, MigrationCopyRate,
        RouterRequestDuration, RouterShardRequestDuration, RouterFanOut, RouterPartialResults, RouterErrors, RouterRoutingVersion,
    ];

    /// <summary>Buckets for the catalogue's histograms that do not measure seconds.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<double>> HistogramBuckets { get; } =
        new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal)
        {
            [RouterFanOut.Name] = FanOutBuckets,
            [MigrationBatchSize.Name] = BatchSizeBuckets,
        };
}

/// <summary>What kind of Prometheus family an instrument becomes (gauges include up-down counters and observables).</summary>
public enum InstrumentKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>One instrument of the catalogue: meter, instrument name, UCUM unit, kind, help text and tag keys.</summary>
public sealed record InstrumentSpec(string Meter, string Name, string? Unit, InstrumentKind Kind, string Description, IReadOnlyList<string> Tags)
{
    /// <summary>The family name the exporter writes for it.</summary>
    public string PrometheusName => PrometheusNaming.FamilyName(Name, Unit, Kind switch
    {
        InstrumentKind.Counter => PrometheusMetricType.Counter,
        InstrumentKind.Gauge => PrometheusMetricType.Gauge,
        _ => PrometheusMetricType.Histogram,
    });
}
