using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RagOperator.Qdrant.Filters;

namespace RagOperator.Qdrant.Models;

/// <summary>A point to upsert: id, the collection's dense vector, optional payload.</summary>
public sealed record PointStruct(PointId Id, float[] Vector, JsonObject? Payload = null);

/// <summary>A stored point as returned by retrieve and scroll (Qdrant's <c>Record</c>).</summary>
public sealed record RetrievedPoint
{
    public PointId Id { get; init; }

    /// <summary>Null when the point has no payload or none was asked for (gRPC does not tell the two apart).</summary>
    public JsonObject? Payload { get; init; }

    public float[]? Vector { get; init; }
}

/// <summary>A search hit. <see cref="Score"/> is a similarity for Cosine/Dot and a distance for Euclid/Manhattan.</summary>
public sealed record ScoredPoint
{
    public PointId Id { get; init; }
    public ulong Version { get; init; }
    public float Score { get; init; }
    public JsonObject? Payload { get; init; }
    public float[]? Vector { get; init; }
}

/// <summary>Result of an update operation.</summary>
public sealed record UpdateResult
{
    public ulong? OperationId { get; init; }
    public UpdateStatus Status { get; init; }
}

/// <summary>Options of a write: <c>wait</c> (default true, so a returned write is applied) and <c>ordering</c>.</summary>
public sealed record WriteOptions
{
    public static WriteOptions Default { get; } = new();

    public bool Wait { get; init; } = true;
    public WriteOrdering? Ordering { get; init; }

    /// <summary>
    /// Upserts only: Qdrant's <c>update_mode</c> (sent in the body). <see cref="UpsertMode.UpdateOnly"/> never inserts a
    /// point that does not exist — <c>update_filter</c> alone cannot say that, as it lets new points through.
    /// </summary>
    public UpsertMode? UpdateMode { get; init; }
}

/// <summary>A page request of a scroll: a filter, a page size and where to start.</summary>
public sealed record ScrollRequest
{
    public Filter? Filter { get; init; }

    /// <summary>Page size (Qdrant's default is 10).</summary>
    public ulong? Limit { get; init; }

    /// <summary>Start id, inclusive: pass the previous page's <see cref="ScrollResult.NextPageOffset"/>.</summary>
    public PointId? Offset { get; init; }

    public PayloadSelector? WithPayload { get; init; }
    public bool? WithVector { get; init; }
}

public sealed record ScrollResult
{
    public IReadOnlyList<RetrievedPoint> Points { get; init; } = [];

    /// <summary>Id of the first point of the next page; null on the last page.</summary>
    public PointId? NextPageOffset { get; init; }
}

/// <summary>A nearest-neighbour search, sent as Qdrant's query API (<c>{"query": {"nearest": [...]}}</c>).</summary>
public sealed record SearchRequest(float[] Vector, ulong Limit)
{
    public Filter? Filter { get; init; }

    /// <summary>Unset means no payload (the query API's default).</summary>
    public PayloadSelector? WithPayload { get; init; }
    public bool? WithVector { get; init; }

    /// <summary>Cosine/Dot: only scores above it; Euclid/Manhattan: only distances below it.</summary>
    public float? ScoreThreshold { get; init; }

    public ulong? Offset { get; init; }

    /// <summary>Ask for exact (brute-force) search instead of HNSW.</summary>
    public bool? Exact { get; init; }

    public ulong? HnswEf { get; init; }
}

/// <summary>A query in its basic nearest form (Qdrant's <c>Query</c> call).</summary>
public sealed record QueryRequest
{
    public required NearestQuery Query { get; init; }
    public Filter? Filter { get; init; }
    public ulong? Limit { get; init; }
    public ulong? Offset { get; init; }
    public float? ScoreThreshold { get; init; }
    public PayloadSelector? WithPayload { get; init; }
    public bool? WithVector { get; init; }
    public SearchParams? Params { get; init; }

    public static QueryRequest From(SearchRequest search) => new()
    {
        Query = new NearestQuery(search.Vector),
        Filter = search.Filter,
        Limit = search.Limit,
        Offset = search.Offset,
        ScoreThreshold = search.ScoreThreshold,
        WithPayload = search.WithPayload,
        WithVector = search.WithVector,
        Params = search.Exact is null && search.HnswEf is null ? null : new SearchParams { Exact = search.Exact, HnswEf = search.HnswEf },
    };
}

public sealed record NearestQuery(float[] Nearest);

public sealed record SearchParams
{
    public ulong? HnswEf { get; init; }
    public bool? Exact { get; init; }
}

public sealed record QueryResponse
{
    public IReadOnlyList<ScoredPoint> Points { get; init; } = [];
}

/// <summary>Qdrant's success envelope <c>{"result": ..., "status": "ok", "time": ...}</c>.</summary>
internal sealed record QdrantResponse<T>
{
    [JsonPropertyName("result")]
    public T? Result { get; init; }

    [JsonPropertyName("time")]
    public double Time { get; init; }
}
