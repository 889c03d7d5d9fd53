using Microsoft.Extensions.Logging;
using RagOperator.Router.RoutingSource;
using RagOperator.Qdrant;
using RagOperator.Routing;

namespace RagOperator.Router.Tests.Support;

/// <summary>A router over a <see cref="ShardCluster"/>, fed by a <see cref="StaticRoutingSource"/>, and a client for it.</summary>
internal sealed class TestRouter : IAsyncDisposable
{
    private TestRouter(RouterHandle handle, StaticRoutingSource source, RouterClient client)
    {
        Handle = handle;
        Source = source;
        Client = client;
    }

    public RouterHandle Handle { get; }

    public StaticRoutingSource Source { get; }

    public RouterClient Client { get; }

    public static async Task<TestRouter> StartAsync(
        ShardCluster cluster, RoutingTable? table = null, Func<RouterOptions, RouterOptions>? configure = null,
        IQdrantClientFactory? clients = null)
    {
        var source = new StaticRoutingSource();
        var options = new RouterOptions
        {
            Collection = cluster.Collection, Namespace = ShardCluster.Namespace, RouterName = "router-test-0", ShardGrpcAddress = cluster.GrpcAddress,
        };
        options = configure?.Invoke(options) ?? options;
        var handle = await RouterHost.StartAsync(options, source, clients, logging => logging.SetMinimumLevel(LogLevel.Critical));
        if (table is not null)
        {
            var verdict = await source.PublishAsync(table).WaitAsync(TimeSpan.FromSeconds(10));
            if (!verdict.Accepted)
            {
                throw new InvalidOperationException($"the test table was refused: {verdict.Reason}");
            }
        }

        return new TestRouter(handle, source, new RouterClient(handle.BaseUri, cluster.Collection, options.ApiKey));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Handle.DisposeAsync();
    }
}
