namespace RagOperator.Qdrant;

/// <summary>
/// Settings of one shard's client. A class, not a record, so that no generated <c>ToString</c> can print the
/// API key.
/// </summary>
public sealed class QdrantClientOptions
{
    public required Uri BaseUri { get; init; }

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

    public override string ToString() => $"QdrantClientOptions {{ BaseUri = {BaseUri}, ApiKey = {(ApiKey is null ? "none" : "***")} }}";
}

/// <summary>Describes a retry about to happen.</summary>
public sealed record QdrantRetryEvent(string Operation, Uri ShardUri, int AttemptNumber, TimeSpan Delay, Exception? Failure);
