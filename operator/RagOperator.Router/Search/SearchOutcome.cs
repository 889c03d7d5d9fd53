using System.Text.Json.Nodes;
using RagOperator.Routing;

namespace RagOperator.Router.Search;

/// <summary>Why a shard is missing from a search: it failed, or it did not answer before the deadline.</summary>
public sealed record ShardFailure(int ShardId, string Endpoint, bool DeadlineExceeded, string Reason);

/// <summary>
/// The merged answer of a fan-out: per query, the global top-k (payloads already stripped of router fields), the
/// shards that did not answer, and the routing version the search was planned with.
/// </summary>
public sealed record SearchOutcome(
    IReadOnlyList<IReadOnlyList<ShardHit<JsonObject?>>> Results, IReadOnlyList<ShardFailure> Missing, long RoutingVersion, int FanOut)
{
    public bool Partial => Missing.Count > 0;
}
