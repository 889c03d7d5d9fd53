using System.Collections.Concurrent;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Grpc;
using RagOperator.Router.Telemetry;

namespace RagOperator.Router.Shards;

/// <summary>
/// The router's shard clients: one per endpoint named by a routing table, made by an <see cref="IQdrantClientFactory"/>
/// with the router's Qdrant API key and kept across routing versions, so a table swap opens no new connections.
/// Without a factory from the host, it makes <see cref="QdrantShardClient"/>s over one gRPC channel per shard with short
/// retries: a search's deadline bounds it anyway, and a failed write is reported to the client, which may retry.
/// Each endpoint also has its <see cref="ShardGuard"/> (breaker, deadline, concurrency limit, hedging), kept as long
/// as the client, so a shard's latency history and breaker state survive table swaps.
/// </summary>
public sealed class ShardClients : IDisposable
{
    private readonly IQdrantClientFactory factory;
    private readonly RouterOptions options;
    private readonly RouterMetrics metrics;
    private readonly string? apiKey;
    private readonly HttpClient? ownedHttp;
    private readonly QdrantChannels? ownedChannels;
    private readonly ConcurrentDictionary<string, IQdrantClient> clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ShardGuard> guards = new(StringComparer.Ordinal);

    /// <param name="tls">The router's TLS files: https shards are verified against their CA bundle.</param>
    public ShardClients(RouterOptions options, RouterMetrics metrics, IQdrantClientFactory? factory = null, RouterTlsFiles? tls = null)
    {
        this.options = options;
        this.metrics = metrics;
        apiKey = options.QdrantApiKey;
        if (factory is null)
        {
            ownedHttp = new HttpClient(Handler(tls))
            {
                // Deadlines come from the caller's cancellation token and the client's per-attempt timeout.
                Timeout = Timeout.InfiniteTimeSpan,
            };
            ownedChannels = new QdrantChannels(() => Handler(tls));
            factory = new QdrantClientFactory(ownedHttp, ownedChannels, new QdrantClientOptions
            {
                BaseUri = new Uri("http://template.invalid/"),
                MaxRetries = options.ShardRetries,
                RetryBaseDelay = options.ShardRetryDelay,
                MaxRetryDelay = TimeSpan.FromSeconds(1),
                RequestTimeout = options.WriteTimeout,
            }, options.ShardGrpcAddress);
        }

        this.factory = factory;
    }

    public IQdrantClient For(int shardId, string endpoint) =>
        clients.GetOrAdd(endpoint, static (uri, self) => self.factory.Create(new Uri(uri), self.apiKey), this);

    public ShardGuard GuardFor(int shardId, string endpoint) =>
        guards.GetOrAdd(endpoint, static (_, state) => new ShardGuard(state.shardId, state.self.options, state.self.metrics), (self: this, shardId));

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            (client as IDisposable)?.Dispose();
        }

        foreach (var guard in guards.Values)
        {
            guard.Dispose();
        }

        ownedHttp?.Dispose();
        ownedChannels?.Dispose();
    }

    private static SocketsHttpHandler Handler(RouterTlsFiles? tls) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        SslOptions = tls?.ShardTrust is null ? new() : new()
        {
            // The bundle is read per handshake, so a rotated CA is trusted without a restart.
            RemoteCertificateValidationCallback = (sender, certificate, _, errors) =>
                tls.ShardTrust is { } trust && trust.Validates(certificate, (sender as System.Net.Security.SslStream)?.TargetHostName ?? "", errors),
        },
    };
}
