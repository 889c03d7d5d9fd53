using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-router</c>: the Service clients call (ready routers only): port 8080 for the <c>/v1</c> API and
/// Qdrant's REST API, port 6334 for Qdrant's gRPC API, where Qdrant's own clients look for it.
/// </summary>
public static class RouterServiceBuilder
{
    /// <summary>
    /// The gRPC port's appProtocol tells gateways and meshes what to speak to the routers: gRPC travels over HTTP/2, with
    /// TLS when the collection has it (<c>https</c>: the client negotiates h2 by ALPN) and otherwise with prior knowledge
    /// (<c>kubernetes.io/h2c</c>, the name Kubernetes defines for it). Plain <c>grpc</c> would tell a mesh to expect
    /// clear text, which a TLS router does not serve.
    /// </summary>
    public static string GrpcAppProtocol(bool tls) => tls ? "https" : "kubernetes.io/h2c";

    public static Service Build(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
        Spec = new ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.RouterSelector(input.Name),
            Ports =
            [
                new ServicePort { Name = RouterDeploymentBuilder.PortNames.Http, Port = Ports.Router, TargetPort = RouterDeploymentBuilder.PortNames.Http, Protocol = "TCP" },
                new ServicePort
                {
                    Name = RouterDeploymentBuilder.PortNames.Grpc,
                    Port = Ports.RouterGrpc,
                    TargetPort = RouterDeploymentBuilder.PortNames.Grpc,
                    Protocol = "TCP",
                    AppProtocol = GrpcAppProtocol(StatefulSetBuilder.Tls(input)),
                },
            ],
        },
    };
}
