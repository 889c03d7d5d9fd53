using RagOperator.Qdrant;

namespace RagOperator.Router.Shards;

/// <summary>
/// Hands out the client of a shard endpoint named by the routing table. Tests replace it to observe or fault the
/// router's shard calls; the default one is <see cref="QdrantClientFactory"/>.
/// </summary>
public interface IQdrantClientFactory
{
    IQdrantClient For(int shardId, string endpoint);
}
