using Prometheus;
using RagOperator.Observability.Metrics;

namespace RagOperator.Kubernetes.Client;

/// <summary>API call metrics on one registry: <c>kubernetes_api_requests_total</c> by verb, resource and code.</summary>
public sealed class KubernetesClientMetrics(IMetricFactory factory)
{
    private readonly Counter requests = RagInstruments.ApiRequests.CreateCounter(factory);

    /// <summary>One attempt (retries included); <paramref name="code"/> is the HTTP status or <c>error</c>.</summary>
    internal void Record(string verb, string code, string resource) => requests.WithLabels(verb, resource, code).Inc();
}
