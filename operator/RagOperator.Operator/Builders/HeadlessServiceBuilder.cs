using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-shard-&lt;i&gt;-headless</c>: the governing Service of a shard's StatefulSet, giving each pod the stable
/// DNS name <c>&lt;pod&gt;.&lt;headless&gt;.&lt;namespace&gt;.svc</c> its Raft peers use. Not-ready addresses are published because
/// peers must find each other before any of them can report ready.
/// </summary>
public static class HeadlessServiceBuilder
{
    public static Service Build(BuildInput input, int shard) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.ShardHeadless(input.Name, shard), Labels.ForShard(input.Name, shard)),
        Spec = new ServiceSpec
        {
            ClusterIP = "None",
            PublishNotReadyAddresses = true,
            Selector = Labels.ShardSelector(input.Name, shard),
            Ports =
            [
                new ServicePort { Name = "http", Port = Ports.QdrantHttp, TargetPort = Ports.QdrantHttp, Protocol = "TCP" },
                new ServicePort { Name = "grpc", Port = Ports.QdrantGrpc, TargetPort = Ports.QdrantGrpc, Protocol = "TCP" },
                new ServicePort { Name = "p2p", Port = Ports.QdrantP2p, TargetPort = Ports.QdrantP2p, Protocol = "TCP" },
            ],
        },
    };
}
