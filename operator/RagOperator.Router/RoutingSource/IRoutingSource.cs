using RagOperator.Routing;

namespace RagOperator.Router.RoutingSource;

/// <summary>
/// Where a router's routing tables come from. A source delivers every routing document it sees to the sink; the
/// sink decides whether to serve it. In a cluster it is <see cref="ConfigMapRoutingSource"/> (a watch on the
/// routing ConfigMap); tests and the sandbox may use <see cref="StaticRoutingSource"/>.
/// </summary>
public interface IRoutingSource
{
    /// <summary>
    /// Delivers documents until <paramref name="cancellationToken"/> is cancelled. A bad document is offered like
    /// any other (the sink rejects it); a failure of the source itself may throw, and the host restarts it.
    /// </summary>
    Task RunAsync(IRoutingSink sink, CancellationToken cancellationToken);
}

/// <summary>Receives what a <see cref="IRoutingSource"/> sees.</summary>
public interface IRoutingSink
{
    /// <summary>Offers a routing document; <paramref name="origin"/> says where it came from, for the logs.</summary>
    RoutingTableUpdate Offer(string document, string origin);

    /// <summary>Reports a problem of the source that is not a document (e.g. the ConfigMap lacks the key); the served table stays.</summary>
    void Problem(string message);
}
