using RagOperator.Router.Api;
using RagOperator.Router.RoutingSource;
using RagOperator.Router.Search;
using RagOperator.Router.Telemetry;
using RagOperator.Router.Writes;
using RagOperator.Routing;

namespace RagOperator.Router;

/// <summary>The parts of one router, shared by its endpoints: settings, the routing state, and the data paths.</summary>
public sealed class RouterRuntime(
    RouterOptions options, RoutingTableHolder holder, RoutingFeed feed, RequestGate requests, RequestParser parser,
    SearchFanOut search, WriteRouter writer, RouterMetrics metrics)
{
    public RouterOptions Options { get; } = options;

    public RoutingTableHolder Holder { get; } = holder;

    public RoutingFeed Feed { get; } = feed;

    public RequestGate Requests { get; } = requests;

    public RequestParser Parser { get; } = parser;

    public SearchFanOut Search { get; } = search;

    public WriteRouter Writer { get; } = writer;

    public RouterMetrics Metrics { get; } = metrics;
}
