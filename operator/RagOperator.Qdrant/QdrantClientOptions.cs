namespace RagOperator.Qdrant;

/// <summary>
/// Settings of one shard's client. A class, not a record, so that no generated <c>ToString</c> can print the
/// API key.
/// </summary>
public sealed class QdrantClientOptions
{
    /// <summary>The shard's REST endpoint (Qdrant's 6333): cluster, peers and snapshots.</summary>
    public required Uri BaseUri { get; init; }

    /// <summary>The shard's gRPC endpoint (points and collections); unset means <see cref="DefaultGrpcAddress"/>.</summary>
    public Uri? GrpcUri { get; init; }

    /// <summary>Sent as the <c>api-key</c> header; never logged, never part of an exception message.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Retries after the first attempt, for transient failures only. 0 disables retrying.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First backoff delay; doubles each retry (with jitter), capped by <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of each attempt (the whole call may take up to (retries+1) times this plus backoff).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called before each retry, e.g. to log it; receives no credentials.</summary>
    public Action<QdrantRetryEvent>? OnRetry { get; init; }

    /// <summary>Qdrant's gRPC port on the REST endpoint's host, with its scheme: the shard pods and Services expose both.</summary>
    public static Uri DefaultGrpcAddress(Uri restAddress) =>
        new UriBuilder(restAddress.Scheme, restAddress.Host, DefaultGrpcPort).Uri;

    public const int DefaultGrpcPort = 6334;

    /// <summary>These settings with the gRPC endpoint found by <paramref name="grpcAddress"/> when none is set.</summary>
    public QdrantClientOptions WithGrpcAddress(Func<Uri, Uri> grpcAddress) => GrpcUri is not null ? this : new QdrantClientOptions
    {
        BaseUri = BaseUri,
        GrpcUri = grpcAddress(BaseUri),
        ApiKey = ApiKey,
        MaxRetries = MaxRetries,
        RetryBaseDelay = RetryBaseDelay,
        MaxRetryDelay = MaxRetryDelay,
        RequestTimeout = RequestTimeout,
        OnRetry = OnRetry,
    };

    public override string ToString() => $"QdrantClientOptions {{ BaseUri = {BaseUri}, GrpcUri = {GrpcUri}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";
}

/// <summary>Describes a retry about to happen.</summary>
public sealed record QdrantRetryEvent(string Operation, Uri ShardUri, int AttemptNumber, TimeSpan Delay, Exception? Failure);
