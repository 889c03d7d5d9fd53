using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-shard-&lt;i&gt;</c>: the client Service of a shard (REST and gRPC, ready pods only). The routing table's
/// default shard endpoint is this Service's DNS name.
/// </summary>
public static class ShardServiceBuilder
{
    public static Service Build(BuildInput input, int shard) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.ShardService(input.Name, shard), Labels.ForShard(input.Name, shard)),
        Spec = new ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Labels.ShardSelector(input.Name, shard),
            Ports =
            [
                new ServicePort { Name = "http", Port = Ports.QdrantHttp, TargetPort = Ports.QdrantHttp, Protocol = "TCP" },
                new ServicePort { Name = "grpc", Port = Ports.QdrantGrpc, TargetPort = Ports.QdrantGrpc, Protocol = "TCP" },
            ],
        },
    };
}
