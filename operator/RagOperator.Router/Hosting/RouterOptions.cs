namespace RagOperator.Router;

/// <summary>
/// Settings of one router. <see cref="RouterOptionsLoader"/> fills it from the environment and command-line flags
/// of the container. <see cref="ToString"/> is overridden so that the API keys are never printed.
/// </summary>
public sealed record RouterOptions
{
    /// <summary>Largest upsert or delete batch (points or ids per request).</summary>
    public const int DefaultMaxWriteBatch = 1000;

    /// <summary>Largest number of searches in one batch search.</summary>
    public const int DefaultMaxSearchBatch = 100;

    /// <summary>The largest <c>top_k</c> a search may ask for.</summary>
    public const int MaxTopK = 1000;

    /// <summary>The most points one scroll page of Qdrant's API returns; a larger <c>limit</c> gets a page this long and a next offset.</summary>
    public const int MaxScrollLimit = 10_000;

    /// <summary>The VectorCollection this router serves (also the Qdrant collection name on every shard).</summary>
    public required string Collection { get; init; }

    /// <summary>The namespace of the collection and of its routing ConfigMap.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>The ConfigMap holding the routing table; <c>&lt;collection&gt;-routing</c> when unset.</summary>
    public string? RoutingConfigMap { get; init; }

    /// <summary>The key of the routing document inside the ConfigMap's data.</summary>
    public string RoutingConfigMapKey { get; init; } = "routing.json";

    /// <summary>When set, every data endpoint requires it as <c>api-key</c> or <c>Authorization: Bearer</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sent to the shards as Qdrant's <c>api-key</c> header.</summary>
    public string? QdrantApiKey { get; init; }

    /// <summary>
    /// Where a shard's gRPC endpoint is, given its REST endpoint from the routing table; unset: Qdrant's 6334 on the
    /// same host, which the shard pods and Services expose. Hosts that run shards elsewhere (the sandbox) set it.
    /// </summary>
    public Func<Uri, Uri>? ShardGrpcAddress { get; init; }

    /// <summary>This replica's name (the pod name); its stable hash is the router id in write versions.</summary>
    public string RouterName { get; init; } = Environment.MachineName;

    /// <summary>Overrides the router id derived from <see cref="RouterName"/> (0..1023).</summary>
    public int? RouterId { get; init; }

    public int MaxWriteBatch { get; init; } = DefaultMaxWriteBatch;

    public int MaxSearchBatch { get; init; } = DefaultMaxSearchBatch;

    /// <summary>The search deadline when the request names none.</summary>
    public TimeSpan DefaultSearchTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest deadline a search may ask for with <c>timeout_ms</c>.</summary>
    public TimeSpan MaxSearchTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a write waits for every target shard to acknowledge before it is reported as failed.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest difference between the wall clocks of two router replicas. An upsert is acknowledged only once this
    /// router's clock is this much past the millisecond of the versions it stamped (commit wait), so that a later write
    /// of the same point through another replica always gets a higher version. A shard round trip usually lasts longer,
    /// so the wait costs nothing then.
    /// </summary>
    public TimeSpan WriteClockUncertainty { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The router's certificate and key (PEM files); with them it serves HTTPS. Both or neither.</summary>
    public string? TlsCertificateFile { get; init; }

    public string? TlsKeyFile { get; init; }

    /// <summary>The CAs (PEM) an https shard must chain to; without it, the system's roots.</summary>
    public string? ShardTrustFile { get; init; }

    /// <summary>Largest request body; 1000 points of 1536 float components with payloads fit comfortably.</summary>
    public long MaxRequestBodyBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Retries of a transient shard failure inside one request (the deadline still bounds them; with the default delay
    /// the four waits add up to about 0.75 s, well inside the 2 s search deadline). A shard that fails one request in
    /// twenty (a restarting pod, a busy node) then fails a search or write about once in three million shard calls
    /// instead of once in 400, so searches keep answering through such blips, migrations included.
    /// </summary>
    public int ShardRetries { get; init; } = 4;

    public TimeSpan ShardRetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Calls this router runs at once on one shard (searches and writes together).</summary>
    public int ShardConcurrencyLimit { get; init; } = 64;

    /// <summary>Calls that may wait for one of those slots; beyond this the call is shed with 429 instead of queueing without bound.</summary>
    public int ShardQueueLimit { get; init; } = 256;

    /// <summary>Send a second identical search to a shard that has not answered within its recent p95 latency.</summary>
    public bool Hedging { get; init; } = true;

    /// <summary>
    /// The hedge never goes out sooner than this, however fast the shard usually is. Hedging a call of a few
    /// milliseconds saves little and adds load exactly when the shard is slow because it is busy: measured side by
    /// side (RESULTS.md), a 2 ms floor on CPU-bound shards doubled the router's p99; from 10 ms on, hedges go only to
    /// calls that stall.
    /// </summary>
    public TimeSpan HedgeMinimumDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Hedges per search a shard may get over time (with <see cref="HedgeBudgetBurst"/> saved up): a shard slow
    /// because it is busy has most calls past its p95 at once, and hedging them all would double its load just then.
    /// </summary>
    public double HedgeBudgetRatio { get; init; } = 0.1;

    public double HedgeBudgetBurst { get; init; } = 10;

    /// <summary>The hedge delay until a shard has answered enough searches for a p95.</summary>
    public TimeSpan HedgeInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The breaker opens when at least this fraction of a shard's calls in the window failed or missed their deadline…</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>…and the window holds at least this many calls.</summary>
    public int BreakerMinimumCalls { get; init; } = 20;

    public TimeSpan BreakerSamplingWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker fails calls at once before it lets one probe through.</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    public string ConfigMapName => string.IsNullOrWhiteSpace(RoutingConfigMap) ? $"{Collection}-routing" : RoutingConfigMap;

    /// <summary>The router id used by the hybrid logical clock.</summary>
    public int EffectiveRouterId => RouterId ?? RouterIdentity.FromName(RouterName);

    public override string ToString() =>
        $"RouterOptions {{ Collection = {Namespace}/{Collection}, ConfigMap = {ConfigMapName}, Router = {RouterName} (id {EffectiveRouterId}), " +
        $"ApiKey = {(ApiKey is null ? "none" : "***")}, QdrantApiKey = {(QdrantApiKey is null ? "none" : "***")} }}";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Collection))
        {
            throw new ArgumentException("the collection is not set (COLLECTION)");
        }

        if (string.IsNullOrWhiteSpace(Namespace))
        {
            throw new ArgumentException("the namespace is not set (NAMESPACE or POD_NAMESPACE)");
        }

        if (RouterId is < 0 or > Routing.WriteVersion.MaxRouterId)
        {
            throw new ArgumentException($"router id {RouterId} is outside 0..{Routing.WriteVersion.MaxRouterId}");
        }

        if ((TlsCertificateFile is null) != (TlsKeyFile is null))
        {
            throw new ArgumentException("TLS_CERT_FILE and TLS_KEY_FILE go together: set both to serve HTTPS, or neither");
        }

        if (MaxWriteBatch < 1 || MaxSearchBatch < 1)
        {
            throw new ArgumentException("batch limits must be at least 1");
        }

        if (DefaultSearchTimeout <= TimeSpan.Zero || MaxSearchTimeout < DefaultSearchTimeout || WriteTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("timeouts must be positive and the default search timeout at most the maximum");
        }

        if (WriteClockUncertainty < TimeSpan.Zero || WriteClockUncertainty > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"the write clock uncertainty {WriteClockUncertainty.TotalMilliseconds} ms is outside 0..1000 ms (WRITE_CLOCK_UNCERTAINTY_MS)");
        }

        if (ShardConcurrencyLimit < 1 || ShardQueueLimit < 0)
        {
            throw new ArgumentException($"the shard concurrency limit ({ShardConcurrencyLimit}) must be at least 1 and the queue limit ({ShardQueueLimit}) at least 0 (SHARD_CONCURRENCY_LIMIT, SHARD_QUEUE_LIMIT)");
        }

        if (HedgeBudgetRatio is < 0 or > 1 || HedgeBudgetBurst < 1)
        {
            throw new ArgumentException("the hedge budget needs a ratio in 0..1 and a burst of at least 1");
        }

        if (HedgeMinimumDelay < TimeSpan.Zero || HedgeInitialDelay < HedgeMinimumDelay)
        {
            throw new ArgumentException("the hedge delays must be positive, the initial one at least the minimum");
        }

        if (BreakerFailureRatio is <= 0 or > 1 || BreakerMinimumCalls < 2
            || BreakerSamplingWindow < TimeSpan.FromMilliseconds(500) || BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentException("the breaker needs a failure ratio in (0, 1], at least 2 calls, and a window and break of at least 500 ms");
        }

        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("the router API key is empty; leave it unset to disable authentication");
        }
    }
}
