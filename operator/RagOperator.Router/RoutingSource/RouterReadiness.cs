using RagOperator.Router.Api;

namespace RagOperator.Router.RoutingSource;

internal static class RouterReadiness
{
    public static RouterRequestException NotReady(string collection) => new(new RouterError(
        503, ErrorKinds.NotReady, $"no routing table for collection '{collection}' is loaded yet; the router is not ready"));
}
