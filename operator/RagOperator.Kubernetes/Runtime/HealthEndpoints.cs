using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace RagOperator.Kubernetes.Runtime;

/// <summary>Kubernetes probe endpoints: 200 "ok", or 503 with one problem per line.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapKubernetesHealth(this IEndpointRouteBuilder endpoints, IHealthReporter reporter)
    {
        endpoints.MapGet("/healthz", () => Respond(reporter.Liveness()));
        endpoints.MapGet("/readyz", () => Respond(reporter.Readiness()));
        return endpoints;
    }

    private static IResult Respond(HealthStatus status) =>
        status.Healthy
            ? Results.Text("ok\n", "text/plain")
            : Results.Text(string.Join('\n', status.Problems) + "\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
}
