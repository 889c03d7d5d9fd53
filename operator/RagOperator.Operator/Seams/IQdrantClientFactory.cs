using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RagOperator.Qdrant;

namespace RagOperator.Operator.Seams;

/// <summary>Qdrant clients per shard endpoint and API key.</summary>
public interface IQdrantClientFactory
{
    IQdrantClient Get(Uri endpoint, string? apiKey);
}

/// <summary>
/// One <see cref="QdrantClient"/> per (endpoint, API key), sharing one connection pool. The cache key holds a hash
/// of the key, never the key itself, so a heap dump of the dictionary does not reveal it; a rotated key gets a
/// new client.
/// </summary>
public sealed class CachingQdrantClientFactory : IQdrantClientFactory, IDisposable
{
    private readonly ConcurrentDictionary<string, QdrantClient> clients = new(StringComparer.Ordinal);
    private readonly HttpClient http;
    private readonly Func<Uri, string?, QdrantClientOptions> options;

    public CachingQdrantClientFactory(HttpClient? http = null, Func<Uri, string?, QdrantClientOptions>? options = null)
    {
        this.http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        this.options = options ?? DefaultOptions;
    }

    public IQdrantClient Get(Uri endpoint, string? apiKey)
    {
        var keyHash = apiKey is null ? "-" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        return clients.GetOrAdd($"{endpoint.AbsoluteUri}|{keyHash}", _ => new QdrantClient(http, options(endpoint, apiKey)));
    }

    public void Dispose() => http.Dispose();

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
}
