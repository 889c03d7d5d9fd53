using Google.Protobuf.Collections;
using RagOperator.Router.Api;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// Keeps the router's own payload fields (<c>_rag_cell</c>, <c>_rag_prev_cell</c>, <c>_rag_v</c>) out of what
/// applications see and write: they are how points are routed and versioned, and a client that changed them could
/// misplace a point or lose a write during a migration.
/// </summary>
public static class QdrantPayloads
{
    public const string ReservedPrefix = "_rag_";

    public static G.ScoredPoint Strip(G.ScoredPoint point)
    {
        Strip(point.Payload);
        return point;
    }

    public static G.RetrievedPoint Strip(G.RetrievedPoint point)
    {
        Strip(point.Payload);
        return point;
    }

    public static void Strip(MapField<string, G.Value> payload)
    {
        payload.Remove(PayloadFields.Cell);
        payload.Remove(PayloadFields.PreviousCell);
        payload.Remove(PayloadFields.Version);
    }

    /// <summary>Refuses keys the router owns in a payload to write or keys to delete.</summary>
    public static void RefuseReserved(IEnumerable<string> keys, string field)
    {
        if (keys.FirstOrDefault(IsReserved) is { } key)
        {
            throw RouterRequestException.BadRequest(
                $"{field}.{key} is reserved: keys starting with '{ReservedPrefix}' are the router's routing and version fields; rename the key",
                $"{field}.{key}");
        }
    }

    public static bool IsReserved(string key) => key.StartsWith(ReservedPrefix, StringComparison.Ordinal);
}
