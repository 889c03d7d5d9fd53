using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;

namespace RagOperator.Kubernetes.Tests.Support;

/// <summary>An in-process API server on loopback and clients for it, torn down after each test.</summary>
public sealed class TestCluster : IAsyncLifetime
{
    private readonly List<KubernetesClient> clients = [];

    public InProcessKubernetesApiServer Server { get; private set; } = null!;

    /// <summary>A client with fast retries, the shape tests want.</summary>
    public KubernetesClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        Client = NewClient();
    }

    public KubernetesClient NewClient(HttpMessageHandler? handler = null, KubernetesClientOptions? options = null)
    {
        var client = new KubernetesClient(
            KubernetesClientConfiguration.ForServer(Server.BaseUri, "rag"),
            options ?? new KubernetesClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(5), RetryMaxDelay = TimeSpan.FromMilliseconds(50), MaxRetryAfter = TimeSpan.FromMilliseconds(50) },
            handler: handler);
        lock (clients) clients.Add(client);
        return client;
    }

    public async Task DisposeAsync()
    {
        lock (clients)
        {
            foreach (var client in clients) client.Dispose();
        }
        await Server.DisposeAsync();
    }
}

/// <summary>Cuts a client off the network on demand, as a partition would.</summary>
public sealed class PartitionableHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private volatile bool partitioned;

    public void Partition() => partitioned = true;

    public void Heal() => partitioned = false;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        partitioned ? throw new HttpRequestException("network partition (test)") : base.SendAsync(request, cancellationToken);
}
