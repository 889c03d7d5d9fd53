using System.Globalization;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Seams;

/// <summary>One ready router pod and the base URL of its HTTP API.</summary>
public sealed record RouterEndpoint(string PodName, Uri BaseUri);

/// <summary>The ready routers of a collection, each addressed directly (not through the Service, which load-balances).</summary>
public interface IRouterEndpointResolver
{
    /// <param name="tls">Whether the routers serve TLS (spec.tls), which makes the endpoints https.</param>
    Task<IReadOnlyList<RouterEndpoint>> ResolveAsync(string @namespace, string collection, bool tls, CancellationToken cancellationToken);
}

/// <summary>In a cluster: pods selected by the router labels whose Ready condition is True, at <c>https://&lt;podIP&gt;:8080</c> (http without TLS).</summary>
public sealed class PodRouterEndpointResolver(IKubernetesClient client) : IRouterEndpointResolver
{
    public async Task<IReadOnlyList<RouterEndpoint>> ResolveAsync(string @namespace, string collection, bool tls, CancellationToken cancellationToken)
    {
        var selector = Labels.ToSelector(Labels.RouterSelector(collection));
        var endpoints = new List<RouterEndpoint>();
        await foreach (var pod in client.ListAllAsync<Pod>(@namespace, new ListOptions { LabelSelector = selector }, cancellationToken: cancellationToken))
        {
            if (IsReady(pod) && pod.Status?.PodIP is { Length: > 0 } ip)
            {
                var host = ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip;
                endpoints.Add(new RouterEndpoint(pod.Metadata.Name ?? "", new Uri($"{(tls ? "https" : "http")}://{host}:{Ports.Router.ToString(CultureInfo.InvariantCulture)}/")));
            }
        }

        return endpoints;
    }

    public static bool IsReady(Pod pod) =>
        pod.Metadata.DeletionTimestamp is null
        && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
}
