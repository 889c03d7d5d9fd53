using System.Collections.Concurrent;
using RagOperator.Qdrant;

namespace RagOperator.Router.Shards;

/// <summary>
/// One <see cref="QdrantClient"/> per endpoint over one shared connection pool. Clients are kept when a new routing
/// version names the same endpoint, so a table swap does not open new connections. Retries are short: the
/// request's deadline bounds a search anyway, and a failed write is reported to the client, which may retry it.
/// </summary>
public sealed class QdrantClientFactory : IQdrantClientFactory, IDisposable
{
    private readonly HttpClient http;
    private readonly RouterOptions options;
    private readonly ConcurrentDictionary<string, QdrantClient> clients = new(StringComparer.Ordinal);

    public QdrantClientFactory(RouterOptions options)
    {
        this.options = options;
        http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),

            // Fan-out sends one request per shard per search; the default of unlimited keeps them from queueing.
            MaxConnectionsPerServer = int.MaxValue,
        })
        {
            // Deadlines come from the caller's cancellation token and the client's per-attempt timeout.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public IQdrantClient For(int shardId, string endpoint) => clients.GetOrAdd(endpoint, static (uri, state) => new QdrantClient(
        state.http,
        new QdrantClientOptions
        {
            BaseUri = new Uri(uri),
            ApiKey = state.options.QdrantApiKey,
            MaxRetries = state.options.ShardRetries,
            RetryBaseDelay = state.options.ShardRetryDelay,
            MaxRetryDelay = TimeSpan.FromSeconds(1),
            RequestTimeout = state.options.WriteTimeout,
        }), (http, options));

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        http.Dispose();
    }
}
