using System.Globalization;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-router</c> HorizontalPodAutoscaler (autoscaling/v2) when <c>spec.router.autoscaling</c> is set:
/// average CPU utilization of the router pods and/or their requests per second (a pods metric a custom-metrics adapter
/// serves).
/// </summary>
public static class RouterAutoscalerBuilder
{
    /// <summary>The pods metric of requests per second per router pod, as the custom-metrics adapter is to name it.</summary>
    public const string RequestsPerSecondMetric = "ragrouter_requests_per_second";

    public static HorizontalPodAutoscaler? Build(BuildInput input)
    {
        if (input.Spec.Router.Autoscaling is not { } autoscaling) return null;
        var metrics = new List<MetricSpec>();
        if (autoscaling.TargetCpuUtilizationPercent is { } cpu)
        {
            metrics.Add(new MetricSpec
            {
                Type = "Resource",
                Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = "Utilization", AverageUtilization = cpu } },
            });
        }

        if (autoscaling.TargetRequestsPerSecond is { } rps)
        {
            metrics.Add(new MetricSpec
            {
                Type = "Pods",
                Pods = new PodsMetricSource
                {
                    Metric = new MetricIdentifier { Name = RequestsPerSecondMetric },
                    Target = new MetricTarget { Type = "AverageValue", AverageValue = rps.ToString(CultureInfo.InvariantCulture) },
                },
            });
        }

        return new HorizontalPodAutoscaler
        {
            Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
            Spec = new HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = ChildNames.Router(input.Name) },
                MinReplicas = autoscaling.MinReplicas,
                MaxReplicas = autoscaling.MaxReplicas,
                Metrics = metrics,
            },
        };
    }
}
