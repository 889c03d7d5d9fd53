using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Grpc;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Seams;

/// <summary>Qdrant clients per shard endpoint and API key.</summary>
public interface IQdrantClientFactory
{
    /// <param name="trust">The collection's CAs: an https shard must present a certificate they validate. Null: the system's roots.</param>
    IQdrantClient Get(Uri endpoint, string? apiKey, TrustBundle? trust);
}

/// <summary>
/// One <see cref="QdrantShardClient"/> per (endpoint, API key, trust bundle). Clients of one trust bundle share one REST
/// connection pool and one gRPC channel per shard (a pool's handler validates servers against exactly one collection's
/// CAs). The cache key holds a hash of the key, never the key itself, so a heap dump of the dictionary does not reveal
/// it; a rotated key or CA gets a new client. <c>grpcAddress</c> finds a shard's gRPC endpoint from its REST one
/// (default: Qdrant's 6334 on the same host).
/// </summary>
public sealed class CachingQdrantClientFactory : IQdrantClientFactory, IDisposable
{
    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, QdrantShardClient> clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Connections> pools = new(StringComparer.Ordinal);
    private readonly Func<Uri, string?, QdrantClientOptions> options;
    private readonly Func<Uri, Uri> grpcAddress;

    public CachingQdrantClientFactory(Func<Uri, string?, QdrantClientOptions>? options = null, Func<Uri, Uri>? grpcAddress = null)
    {
        this.options = options ?? DefaultOptions;
        this.grpcAddress = grpcAddress ?? QdrantClientOptions.DefaultGrpcAddress;
    }

    public IQdrantClient Get(Uri endpoint, string? apiKey, TrustBundle? trust)
    {
        var keyHash = apiKey is null ? "-" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        var trusted = trust is not null && endpoint.Scheme == Uri.UriSchemeHttps ? trust : null;
        var pool = pools.GetOrAdd(trusted?.Key ?? "-", _ => new Connections(trusted));
        return clients.GetOrAdd($"{endpoint.AbsoluteUri}|{keyHash}|{trusted?.Key ?? "-"}", _ =>
        {
            var settings = options(endpoint, apiKey).WithGrpcAddress(grpcAddress);
            return new QdrantShardClient(settings, pool.Channels.Invoker(settings.GrpcUri!, apiKey), new QdrantRestClient(pool.Http, settings));
        });
    }

    public void Dispose()
    {
        foreach (var pool in pools.Values) pool.Dispose();
    }

    /// <summary>
    /// Short timeouts and few retries: a reconcile must not hang on an unreachable shard; the work queue retries
    /// the whole reconcile later anyway.
    /// </summary>
    public static QdrantClientOptions DefaultOptions(Uri endpoint, string? apiKey) => new()
    {
        BaseUri = endpoint,
        ApiKey = apiKey,
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The connections of one trust bundle (null: the system's roots).</summary>
    private sealed class Connections(TrustBundle? trust) : IDisposable
    {
        public HttpClient Http { get; } = new(Handler(trust)) { Timeout = Timeout.InfiniteTimeSpan };

        public QdrantChannels Channels { get; } = new(() => Handler(trust));

        public void Dispose()
        {
            Http.Dispose();
            Channels.Dispose();
        }

        private static SocketsHttpHandler Handler(TrustBundle? trust) =>
            trust?.CreateHandler(PooledConnectionLifetime) ?? new SocketsHttpHandler { PooledConnectionLifetime = PooledConnectionLifetime };
    }
}
