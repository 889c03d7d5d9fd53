using RagOperator.InProcess.Qdrant;

namespace RagOperator.Qdrant.Tests.Support;

/// <summary>An in-process Qdrant plus a client wired to it through a <see cref="RecordingHandler"/>.</summary>
public sealed class QdrantHarness : IAsyncDisposable
{
    private readonly HttpClient _http;

    private QdrantHarness(InProcessQdrantServer server, RecordingHandler recorder, HttpClient http, QdrantClient client)
    {
        Server = server;
        Recorder = recorder;
        _http = http;
        Client = client;
    }

    public InProcessQdrantServer Server { get; }
    public RecordingHandler Recorder { get; }
    public QdrantClient Client { get; }

    public static async Task<QdrantHarness> StartAsync(
        InProcessQdrantOptions? serverOptions = null, Func<Uri, QdrantClientOptions>? clientOptions = null)
    {
        var server = await InProcessQdrantServer.StartAsync(serverOptions ?? new InProcessQdrantOptions());
        var recorder = new RecordingHandler();
        var http = new HttpClient(recorder) { Timeout = Timeout.InfiniteTimeSpan };
        var options = clientOptions?.Invoke(server.BaseUri) ?? new QdrantClientOptions
        {
            BaseUri = server.BaseUri,
            ApiKey = serverOptions?.ApiKey,
            MaxRetries = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        return new QdrantHarness(server, recorder, http, new QdrantClient(http, options));
    }

    /// <summary>A second client on the same server with other options (sharing the recorder).</summary>
    public QdrantClient ClientWith(Func<QdrantClientOptions, QdrantClientOptions> configure) =>
        new(_http, configure(new QdrantClientOptions
        {
            BaseUri = Server.BaseUri,
            MaxRetries = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            RequestTimeout = TimeSpan.FromSeconds(10),
        }));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        _http.Dispose();
        await Server.DisposeAsync();
    }
}
