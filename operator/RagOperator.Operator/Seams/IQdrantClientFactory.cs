using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Seams;

/// <summary>Qdrant clients per shard endpoint and API key.</summary>
public interface IQdrantClientFactory
{
    /// <param name="trust">The collection's CAs: an https shard must present a certificate they validate. Null: the system's roots.</param>
    IQdrantClient Get(Uri endpoint, string? apiKey, TrustBundle? trust);
}

/// <summary>
/// One <see cref="QdrantClient"/> per (endpoint, API key, trust bundle), sharing one connection pool per trust bundle
/// (a pool's handler validates servers against exactly one collection's CAs). The cache key holds a hash of the key,
/// never the key itself, so a heap dump of the dictionary does not reveal it; a rotated key or CA gets a new client.
/// </summary>
public sealed class CachingQdrantClientFactory : IQdrantClientFactory, IDisposable
{
    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, QdrantClient> clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HttpClient> trusted = new(StringComparer.Ordinal);
    private readonly HttpClient http;
    private readonly Func<Uri, string?, QdrantClientOptions> options;

    public CachingQdrantClientFactory(HttpClient? http = null, Func<Uri, string?, QdrantClientOptions>? options = null)
    {
        this.http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = PooledConnectionLifetime }) { Timeout = Timeout.InfiniteTimeSpan };
        this.options = options ?? DefaultOptions;
    }

    public IQdrantClient Get(Uri endpoint, string? apiKey, TrustBundle? trust)
    {
        var keyHash = apiKey is null ? "-" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        var pool = trust is null || endpoint.Scheme != Uri.UriSchemeHttps
            ? http
            : trusted.GetOrAdd(trust.Key, _ => new HttpClient(trust.CreateHandler(PooledConnectionLifetime)) { Timeout = Timeout.InfiniteTimeSpan });
        var trustKey = pool == http ? "-" : trust!.Key;
        return clients.GetOrAdd($"{endpoint.AbsoluteUri}|{keyHash}|{trustKey}", _ => new QdrantClient(pool, options(endpoint, apiKey)));
    }

    public void Dispose()
    {
        http.Dispose();
        foreach (var pool in trusted.Values) pool.Dispose();
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
}
