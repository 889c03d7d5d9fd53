using System.Diagnostics.Metrics;

namespace RagOperator.Kubernetes.Client;

/// <summary>API call metrics; exported by the operator's Prometheus exporter.</summary>
public static class KubernetesClientMetrics
{
    public const string MeterName = "RagOperator.Kubernetes";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Every attempt (retries included), tagged verb, code (HTTP status or "error") and resource.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "kubernetes_api_requests_total", unit: "{request}", description: "Kubernetes API requests by verb, response code and resource.");

    internal static void Record(string verb, string code, string resource) =>
        Requests.Add(1,
            new KeyValuePair<string, object?>("verb", verb),
            new KeyValuePair<string, object?>("code", code),
            new KeyValuePair<string, object?>("resource", resource));
}
