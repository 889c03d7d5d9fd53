using System.Threading.Channels;
using RagOperator.Routing;

namespace RagOperator.Router.RoutingSource;

/// <summary>
/// A routing source fed by code: the tables given at construction, then whatever is published. For unit tests, the
/// sandbox and demos that run routers without an API server. Documents are offered in publication order.
/// </summary>
public sealed class StaticRoutingSource : IRoutingSource
{
    private readonly Channel<Publication> pending = Channel.CreateUnbounded<Publication>(new UnboundedChannelOptions { SingleReader = true });

    public StaticRoutingSource(params RoutingTable[] initial)
    {
        foreach (var table in initial)
        {
            _ = PublishAsync(table);
        }
    }

    /// <summary>A source that starts with raw documents (possibly malformed).</summary>
    public static StaticRoutingSource FromDocuments(params string[] documents)
    {
        var source = new StaticRoutingSource();
        foreach (var document in documents)
        {
            _ = source.PublishAsync(document);
        }

        return source;
    }

    /// <summary>Offers a table; completes with the router's verdict once the router has seen it.</summary>
    public Task<RoutingTableUpdate> PublishAsync(RoutingTable table) => PublishAsync(table.ToJson(indented: false));

    /// <summary>Offers a raw document (possibly malformed, to test rejection); completes with the router's verdict.</summary>
    public Task<RoutingTableUpdate> PublishAsync(string document)
    {
        var publication = new Publication(document, new TaskCompletionSource<RoutingTableUpdate>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!pending.Writer.TryWrite(publication))
        {
            throw new InvalidOperationException("the routing source has been completed");
        }

        return publication.Verdict.Task;
    }

    public async Task RunAsync(IRoutingSink sink, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var publication in pending.Reader.ReadAllAsync(cancellationToken))
            {
                publication.Verdict.TrySetResult(sink.Offer(publication.Document, "static source"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped with the router.
        }
    }

    private sealed record Publication(string Document, TaskCompletionSource<RoutingTableUpdate> Verdict);
}
