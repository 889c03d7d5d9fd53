namespace RagOperator.Qdrant;

/// <summary>Makes one <see cref="IQdrantClient"/> per shard; the operator and the router hold one factory.</summary>
public interface IQdrantClientFactory
{
    /// <summary>A client for the shard at <paramref name="baseUri"/>, authenticating with <paramref name="apiKey"/> if given.</summary>
    IQdrantClient Create(Uri baseUri, string? apiKey = null);
}

/// <summary>
/// Creates <see cref="QdrantClient"/>s that share one <see cref="HttpClient"/> (one connection pool for all
/// shards). Retry and timeout settings come from <paramref name="template"/>; its base URI and key are replaced.
/// </summary>
public sealed class QdrantClientFactory(HttpClient httpClient, QdrantClientOptions? template = null) : IQdrantClientFactory
{
    public IQdrantClient Create(Uri baseUri, string? apiKey = null) =>
        new QdrantClient(httpClient, new QdrantClientOptions
        {
            BaseUri = baseUri,
            ApiKey = apiKey,
            MaxRetries = template?.MaxRetries ?? 3,
            RetryBaseDelay = template?.RetryBaseDelay ?? TimeSpan.FromMilliseconds(200),
            MaxRetryDelay = template?.MaxRetryDelay ?? TimeSpan.FromSeconds(5),
            RequestTimeout = template?.RequestTimeout ?? TimeSpan.FromSeconds(30),
            OnRetry = template?.OnRetry,
        });
}
