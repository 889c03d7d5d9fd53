using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Grpc;

namespace RagOperator.Qdrant.Tests.Support;

/// <summary>
/// An in-process Qdrant plus a client wired to it: its gRPC calls and its REST calls both pass a
/// <see cref="RecordingHandler"/> (gRPC calls are counted by path, <c>/qdrant.Points/Upsert</c>; REST exchanges are kept whole).
/// </summary>
public sealed class QdrantHarness : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly QdrantChannels _channels;

    private QdrantHarness(InProcessQdrantServer server, RecordingHandler recorder, HttpClient http, QdrantChannels channels, QdrantClientOptions options)
    {
        Server = server;
        Recorder = recorder;
        _http = http;
        _channels = channels;
        Client = Connect(options);
    }

    public InProcessQdrantServer Server { get; }
    public RecordingHandler Recorder { get; }
    public QdrantShardClient Client { get; }

    public static async Task<QdrantHarness> StartAsync(
        InProcessQdrantOptions? serverOptions = null, Func<Uri, QdrantClientOptions>? clientOptions = null)
    {
        var server = await InProcessQdrantServer.StartAsync(serverOptions ?? new InProcessQdrantOptions());
        var recorder = new RecordingHandler();
        var http = new HttpClient(recorder) { Timeout = Timeout.InfiniteTimeSpan };
        var channels = new QdrantChannels(outer: inner => new RecordingHandler(inner, recorder));
        var options = (clientOptions?.Invoke(server.BaseUri) ?? Defaults(server, serverOptions?.ApiKey)).WithGrpcAddress(_ => server.GrpcUri);
        return new QdrantHarness(server, recorder, http, channels, options);
    }

    /// <summary>A second client on the same server with other options (sharing the recorder).</summary>
    public QdrantShardClient ClientWith(Func<QdrantClientOptions, QdrantClientOptions> configure) =>
        Connect(configure(Defaults(Server, apiKey: null)).WithGrpcAddress(_ => Server.GrpcUri));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        _channels.Dispose();
        _http.Dispose();
        await Server.DisposeAsync();
    }

    private QdrantShardClient Connect(QdrantClientOptions options) =>
        new(options, _channels.Invoker(options.GrpcUri!, options.ApiKey), new QdrantRestClient(_http, options));

    private static QdrantClientOptions Defaults(InProcessQdrantServer server, string? apiKey) => new()
    {
        BaseUri = server.BaseUri,
        ApiKey = apiKey,
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };
}
