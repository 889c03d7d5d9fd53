using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RagOperator.Qdrant;

/// <summary>
/// Client metrics on the <c>RagOperator.Qdrant</c> meter, recorded once per HTTP attempt and tagged with
/// <c>operation</c>, <c>outcome</c> (success, client_error, server_error, unreachable, timeout, canceled, bad_response)
/// and <c>server.address</c> (the shard's host:port).
/// </summary>
public static class QdrantMetrics
{
    public const string MeterName = "RagOperator.Qdrant";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "qdrant.client.requests", unit: "{request}", description: "Qdrant HTTP requests by operation and outcome");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "qdrant.client.request.duration", unit: "s", description: "Qdrant HTTP request latency");

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "qdrant.client.retries", unit: "{retry}", description: "Qdrant requests retried after a transient failure");

    internal static void Record(string operation, string outcome, string shard, TimeSpan elapsed)
    {
        var tags = new TagList { { "operation", operation }, { "outcome", outcome }, { "server.address", shard } };
        Requests.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
    }
}
