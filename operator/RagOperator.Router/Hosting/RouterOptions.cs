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

        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("the router API key is empty; leave it unset to disable authentication");
        }
    }
}
