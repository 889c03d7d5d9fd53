using System.Text.Json.Nodes;
using RagOperator.Qdrant.Filters;
using RagOperator.Routing;

namespace RagOperator.Router.Api;

/// <summary>One validated nearest-neighbour query.</summary>
/// <param name="Nprobe">Semantic tables only: how many nearest cells to probe (null: the table's default; <see cref="int.MaxValue"/>: all).</param>
public sealed record SearchQuery(float[] Vector, int TopK, Filter? Filter, bool WithPayload, int? Nprobe = null);

/// <summary>One or several queries answered together, with their shared deadline and partial-result policy.</summary>
public sealed record SearchCall(IReadOnlyList<SearchQuery> Queries, bool AllowPartial, TimeSpan Timeout);

/// <summary>One validated point of an upsert: canonical id, vector, and the client's payload (without router fields).</summary>
public sealed record WritePoint(PointKey Id, float[] Vector, JsonObject? Payload);
