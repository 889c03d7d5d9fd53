using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace RagOperator.Qdrant.Grpc;

/// <summary>
/// One <see cref="GrpcChannel"/> per shard gRPC endpoint, reused by every client of that endpoint: HTTP/2 multiplexes
/// all calls over it, and keep-alive pings find a dead connection before a call does. All channels of one instance
/// share one way of validating servers (<paramref name="handler"/> makes each channel's handler), so a factory keeps
/// one instance per trust bundle. <paramref name="outer"/>, when set, wraps each channel's handler (to trace or record
/// the calls).
/// </summary>
public sealed class QdrantChannels(Func<SocketsHttpHandler>? handler = null, Func<HttpMessageHandler, HttpMessageHandler>? outer = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);
    private readonly Func<SocketsHttpHandler> handler = handler ?? (() => new SocketsHttpHandler());

    /// <summary>The endpoint's channel, with <paramref name="apiKey"/> sent as <c>api-key</c> metadata on every call.</summary>
    public CallInvoker Invoker(Uri grpcAddress, string? apiKey)
    {
        var channel = channels.GetOrAdd(grpcAddress.GetLeftPart(UriPartial.Authority), static (address, self) => self.Open(address), this);
        return apiKey is null
            ? channel.CreateCallInvoker()
            : channel.Intercept(metadata =>
            {
                metadata.Add("api-key", apiKey);
                return metadata;
            });
    }

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
        channels.Clear();
    }

    private GrpcChannel Open(string address)
    {
        var http = handler();
        // The connection stays open while the shard lives: it is pinged every 30 s, busy or idle, and dropped when a
        // ping goes unanswered for 10 s, so the next call reconnects instead of waiting on a dead peer.
        http.PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan;
        http.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
        http.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
        http.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        // Busy shards get more than one connection rather than queueing behind the stream limit.
        http.EnableMultipleHttp2Connections = true;
        http.ConnectTimeout = TimeSpan.FromSeconds(5);
        // Scroll pages with vectors are hundreds of KiB: a wide receive window saves the round trips of window updates.
        http.InitialHttp2StreamWindowSize = 4 * 1024 * 1024;
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = outer is null ? http : outer(http),
            DisposeHttpClient = true,
            // A call canceled by its caller or its attempt timeout ends with OperationCanceledException, as over REST.
            ThrowOperationCanceledOnCancellation = true,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }
}
