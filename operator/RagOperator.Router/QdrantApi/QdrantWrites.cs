using RagOperator.Qdrant.Grpc;
using RagOperator.Router.Api;
using RagOperator.Router.Writes;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// Qdrant's write calls, carried by the router's write path (<see cref="WriteRouter"/>): upserts and deletes by id are
/// routed by cell and stamped with a write version, as through the <c>/v1</c> API; deletes by filter go to every shard;
/// <c>set_payload</c> and <c>delete_payload</c> are stamped with a new version so a migration keeps them
/// (<see cref="WriteRouter.ChangePayloadAsync"/>), on collections whose points are placed by id. Every write waits until applied, whatever <c>wait</c> says.
/// <para>Refused with the reason: <c>overwrite_payload</c> and <c>clear_payload</c> (they would erase the routing fields
/// of points whose cell the router cannot recompute), conditional upserts (<c>update_filter</c>, <c>update_mode</c>:
/// the router's versions decide which write wins), named and sparse vectors, custom shard keys, and payload keys
/// starting with <c>_rag_</c>. The whole request is checked before anything is sent, so a refused request writes nothing.</para>
/// </summary>
public sealed class QdrantWrites(RouterOptions options, WriteRouter writer)
{
    public async Task<G.UpdateResult> UpsertAsync(RoutingTable table, G.UpsertPoints request)
    {
        if (request.ShardKeySelector is not null) throw QdrantRequests.ShardKeys();
        if (request.UpdateFilter is not null || request.HasUpdateMode)
        {
            throw QdrantRequests.Unsupported(request.UpdateFilter is not null ? "update_filter" : "update_mode",
                "conditional upserts ('update_filter', 'update_mode') are not served by the router: it orders writes by its own versions; send a plain upsert");
        }

        CheckBatch(request.Points.Count, "points");
        var points = new List<WritePoint>(request.Points.Count);
        for (var i = 0; i < request.Points.Count; i++)
        {
            var field = $"points[{i}]";
            var point = request.Points[i];
            QdrantPayloads.RefuseReserved(point.Payload.Keys, $"{field}.payload");
            var vector = QdrantRequests.CheckDimension(DenseVector(point.Vectors, $"{field}.vector"), table, $"{field}.vector");
            points.Add(new WritePoint(QdrantIds.Key(point.Id), vector, point.Payload.Count == 0 ? null : GrpcMapping.FromGrpc(point.Payload)));
        }

        var outcome = await writer.UpsertAsync(table, points);
        outcome.ThrowUnlessAcknowledged("upsert");
        return Completed();
    }

    public async Task<G.UpdateResult> DeleteAsync(RoutingTable table, G.DeletePoints request)
    {
        if (request.ShardKeySelector is not null) throw QdrantRequests.ShardKeys();
        var outcome = request.Points?.PointsSelectorOneOfCase switch
        {
            G.PointsSelector.PointsSelectorOneOfOneofCase.Points => await DeleteIdsAsync(table, request.Points.Points),
            G.PointsSelector.PointsSelectorOneOfOneofCase.Filter => await writer.DeleteWhereAsync(table, request.Points.Filter),
            _ => throw QdrantRequests.Invalid("points", "select the points to delete: 'points' (a list of ids) or 'filter'"),
        };
        outcome.ThrowUnlessAcknowledged("delete");
        return Completed();
    }

    public async Task<G.UpdateResult> SetPayloadAsync(RoutingTable table, G.SetPayloadPoints request)
    {
        if (request.ShardKeySelector is not null) throw QdrantRequests.ShardKeys();
        if (request.HasKey)
        {
            throw QdrantRequests.Unsupported("key", "setting a payload under 'key' is not served by the router; set the nested object whole");
        }

        QdrantPayloads.RefuseReserved(request.Payload.Keys, "payload");
        RefuseOnVectorPlacement(table, "set_payload");
        var outcome = await writer.ChangePayloadAsync(table, Selector(request.PointsSelector), request, deleteKeys: null);
        outcome.ThrowUnlessAcknowledged("set_payload");
        return Completed();
    }

    public async Task<G.UpdateResult> DeletePayloadAsync(RoutingTable table, G.DeletePayloadPoints request)
    {
        if (request.ShardKeySelector is not null) throw QdrantRequests.ShardKeys();
        if (request.Keys.Count == 0) throw QdrantRequests.Invalid("keys", "keys is empty; list the payload keys to delete");
        QdrantPayloads.RefuseReserved(request.Keys, "keys");
        RefuseOnVectorPlacement(table, "delete_payload");
        var outcome = await writer.ChangePayloadAsync(table, Selector(request.PointsSelector), set: null, request);
        outcome.ThrowUnlessAcknowledged("delete_payload");
        return Completed();
    }

    /// <summary>Why <c>overwrite_payload</c> and <c>clear_payload</c> are refused.</summary>
    public static RouterRequestException PayloadReplacementRefused(string call) => QdrantRequests.Unsupported(
        "payload",
        $"{call} is not served by the router: it would erase the routing fields the router keeps in every point's payload. " +
        "Use set_payload to change keys and delete_payload to remove them, or upsert the whole point");

    /// <summary>
    /// Payload changes in place are refused where a point's shard depends on its vector (semantic collections, and a
    /// re-partition to one). The router cannot tell which shard holds the point, so the change goes to every shard and
    /// stamps a new version on whatever copy it finds; an upsert that moved the point at the same time removes only
    /// copies older than itself, so a stale copy stamped newer would stay behind on its old shard.
    /// </summary>
    private static void RefuseOnVectorPlacement(RoutingTable table, string call)
    {
        if (table.CellDependsOnVector)
        {
            throw QdrantRequests.Unsupported("payload",
                $"{call} is not served for collection '{table.Collection}': its points are placed by their vectors " +
                $"({(table.IsRepartition ? "it is being re-partitioned" : "semantic sharding")}), and a change in place racing an update that moves the point " +
                "could leave a copy on its old shard. Upsert the whole point with its new payload instead");
        }
    }

    private async Task<WriteOutcome> DeleteIdsAsync(RoutingTable table, G.PointsIdsList ids)
    {
        CheckBatch(ids.Ids.Count, "points");
        return await writer.DeleteAsync(table, [.. ids.Ids.Select(QdrantIds.Key).Distinct()]);
    }

    private G.PointsSelector Selector(G.PointsSelector? selector)
    {
        switch (selector?.PointsSelectorOneOfCase)
        {
            case G.PointsSelector.PointsSelectorOneOfOneofCase.Points:
                CheckBatch(selector.Points.Ids.Count, "points");
                return selector;
            case G.PointsSelector.PointsSelectorOneOfOneofCase.Filter:
                return selector;
            default:
                throw QdrantRequests.Invalid("points", "select the points to change: 'points' (a list of ids) or 'filter'");
        }
    }

    private void CheckBatch(int count, string field)
    {
        if (count == 0)
        {
            throw QdrantRequests.Invalid(field, $"{field} is empty; send at least one");
        }

        if (count > options.MaxWriteBatch)
        {
            throw QdrantRequests.Invalid(field, $"{field} has {count} entries; the router takes at most {options.MaxWriteBatch} in one request (MAX_WRITE_BATCH), split the batch");
        }
    }

    private static float[] DenseVector(G.Vectors? vectors, string field)
    {
        switch (vectors?.VectorsOptionsCase)
        {
            case G.Vectors.VectorsOptionsOneofCase.Vector:
                return DenseVector(vectors.Vector, field);
            case G.Vectors.VectorsOptionsOneofCase.Vectors_ when vectors.Vectors_.Vectors.Count == 1 && vectors.Vectors_.Vectors.TryGetValue("", out var unnamed):
                return DenseVector(unnamed, field);
            case G.Vectors.VectorsOptionsOneofCase.Vectors_:
                throw QdrantRequests.Unsupported(field,
                    $"{field}: named vectors ({string.Join(", ", vectors.Vectors_.Vectors.Keys)}) are not served; the collection has one unnamed vector");
            default:
                throw QdrantRequests.Invalid(field, $"{field} is missing: every point needs its vector");
        }
    }

    private static float[] DenseVector(G.Vector vector, string field)
    {
#pragma warning disable CS0612 // `data` is the deprecated form that older clients still send.
        if (vector.VectorCase == G.Vector.VectorOneofCase.None && vector.Indices is null && vector.Data.Count > 0)
        {
            return [.. vector.Data];
        }
#pragma warning restore CS0612

        return vector.VectorCase == G.Vector.VectorOneofCase.Dense
            ? [.. vector.Dense.Data]
            : throw QdrantRequests.Unsupported(field, $"{field}: only dense vectors are served; sparse, multi-vector and inference inputs are not");
    }

    private static G.UpdateResult Completed() => new() { Status = G.UpdateStatus.Completed };
}
