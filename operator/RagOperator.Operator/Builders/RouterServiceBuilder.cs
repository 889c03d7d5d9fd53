using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary><c>&lt;collection&gt;-router</c>: the Service clients call (port 8080, ready routers only).</summary>
public static class RouterServiceBuilder
{
    public static Service Build(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
        Spec = new ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.RouterSelector(input.Name),
            Ports = [new ServicePort { Name = "http", Port = Ports.Router, TargetPort = "http", Protocol = "TCP" }],
        },
    };
}
