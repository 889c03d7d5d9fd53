using RagOperator.Qdrant.Grpc;

namespace RagOperator.Qdrant;

/// <summary>Makes one <see cref="IQdrantClient"/> per shard; the operator and the router hold one factory.</summary>
public interface IQdrantClientFactory
{
    /// <summary>A client for the shard at <paramref name="baseUri"/>, authenticating with <paramref name="apiKey"/> if given.</summary>
    IQdrantClient Create(Uri baseUri, string? apiKey = null);
}

/// <summary>
/// Creates <see cref="QdrantShardClient"/>s that share one gRPC channel per shard endpoint (<paramref name="channels"/>)
/// and one REST connection pool (<paramref name="httpClient"/>). Retry and timeout settings come from
/// <paramref name="template"/>; its addresses and key are replaced. <paramref name="grpcAddress"/> finds a shard's gRPC
/// endpoint from its REST one (default: <see cref="QdrantClientOptions.DefaultGrpcAddress"/>).
/// </summary>
public sealed class QdrantClientFactory(
    HttpClient httpClient, QdrantChannels channels, QdrantClientOptions? template = null, Func<Uri, Uri>? grpcAddress = null) : IQdrantClientFactory
{
    public IQdrantClient Create(Uri baseUri, string? apiKey = null)
    {
        var options = new QdrantClientOptions
        {
            BaseUri = baseUri,
            GrpcUri = (grpcAddress ?? QdrantClientOptions.DefaultGrpcAddress)(baseUri),
            ApiKey = apiKey,
            MaxRetries = template?.MaxRetries ?? 3,
            RetryBaseDelay = template?.RetryBaseDelay ?? TimeSpan.FromMilliseconds(200),
            MaxRetryDelay = template?.MaxRetryDelay ?? TimeSpan.FromSeconds(5),
            RequestTimeout = template?.RequestTimeout ?? TimeSpan.FromSeconds(30),
            OnRetry = template?.OnRetry,
        };
        return new QdrantShardClient(options, channels.Invoker(options.GrpcUri, apiKey), new QdrantRestClient(httpClient, options));
    }
}
