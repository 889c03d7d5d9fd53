namespace RagOperator.Routing;

/// <summary>One hit returned by one shard: the point id, Qdrant's score, the shard it came from, and a payload.</summary>
public sealed record ShardHit<TPayload>(PointKey Id, double Score, int Shard, TPayload Payload);
