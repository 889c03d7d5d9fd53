using RagOperator.Router.Api;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi;

/// <summary>Qdrant's point ids (a number or a UUID) and the router's <see cref="PointKey"/>, both ways.</summary>
public static class QdrantIds
{
    /// <exception cref="RouterRequestException">The id is unset or its UUID is malformed (400).</exception>
    public static PointKey Key(G.PointId? id) => id?.PointIdOptionsCase switch
    {
        G.PointId.PointIdOptionsOneofCase.Num => PointKey.FromUlong(id.Num),
        G.PointId.PointIdOptionsOneofCase.Uuid when Guid.TryParse(id.Uuid, out var uuid) => PointKey.FromGuid(uuid),
        G.PointId.PointIdOptionsOneofCase.Uuid => throw RouterRequestException.BadRequest(
            $"point id '{id.Uuid}' is neither an unsigned integer nor a UUID", "id"),
        _ => throw RouterRequestException.BadRequest("a point id is missing: set it to an unsigned integer or a UUID", "id"),
    };

    public static G.PointId ToGrpc(PointKey key) => key.IsInteger ? new G.PointId { Num = key.AsUlong } : new G.PointId { Uuid = key.Canonical };
}
