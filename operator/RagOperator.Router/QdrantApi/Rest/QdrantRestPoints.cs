using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RagOperator.Router.Api;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST point calls on the router's collection: writes (upsert, delete, payload changes), reads (retrieve,
/// scroll, count) and searches (query, legacy search, and their batches). Each reads its body into the gRPC message
/// and runs the same core call as the gRPC face; <c>rag-nprobe</c> applies to searches as there.
/// </summary>
internal static class QdrantRestPoints
{
    private const string Points = "/collections/{collection}/points";

    public static void Map(WebApplication app, RestCalls calls)
    {
        var face = calls.Face;
        app.MapPut(Points, (HttpContext http, string collection) =>
            calls.Write(http, "qdrant_upsert", collection, (body, table) => face.Writes.UpsertAsync(table, RestPointRequests.Upsert(collection, body))));
        app.MapPost(Points + "/delete", (HttpContext http, string collection) =>
            calls.Write(http, "qdrant_delete", collection, (body, table) => face.Writes.DeleteAsync(table, RestPointRequests.Delete(collection, body))));
        app.MapPost(Points + "/payload", (HttpContext http, string collection) =>
            calls.Write(http, "qdrant_set_payload", collection, (body, table) => face.Writes.SetPayloadAsync(table, RestPointRequests.SetPayload(collection, body))));
        app.MapPost(Points + "/payload/delete", (HttpContext http, string collection) =>
            calls.Write(http, "qdrant_delete_payload", collection, (body, table) => face.Writes.DeletePayloadAsync(table, RestPointRequests.DeletePayload(collection, body))));
        app.MapPut(Points + "/payload", (HttpContext http, string collection) =>
            calls.Write(http, "qdrant_overwrite_payload", collection, (_, _) => throw QdrantWrites.PayloadReplacementRefused("overwrite_payload")));
        app.MapPost(Points + "/payload/clear", (HttpContext http, string collection) =>
            calls.Write(http, "qdrant_clear_payload", collection, (_, _) => throw QdrantWrites.PayloadReplacementRefused("clear_payload")));

        app.MapPost(Points, (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_get", collection, async (body, table) =>
            {
                var request = RestPointRequests.Retrieve(collection, body.Root, RestBody.Timeout(http.Request));
                var points = await face.Reads.GetAsync(table, request, http.RequestAborted);
                return writer => RestPoints.Records(writer, points, RestSelectors.ShowsPayload(request.WithPayload));
            }));
        app.MapGet(Points + "/{id}", (HttpContext http, string collection, string id) =>
            calls.OnCollection(http, "qdrant_get", collection, async (_, table) =>
            {
                var request = new G.GetPoints
                {
                    CollectionName = collection, Ids = { PathId(id) },
                    WithPayload = new G.WithPayloadSelector { Enable = true }, WithVectors = new G.WithVectorsSelector { Enable = true },
                };
                var points = await face.Reads.GetAsync(table, request, http.RequestAborted);
                var point = points.Count > 0 ? points[0] : throw new RouterRequestException(RouterError.NotFound($"Not found: No point with id {id} found", "id"));
                return writer => RestPoints.Record(writer, point, withPayload: true);
            }));
        app.MapPost(Points + "/scroll", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_scroll", collection, async (body, table) =>
            {
                var request = RestPointRequests.Scroll(collection, body.Root, RestBody.Timeout(http.Request));
                var page = await face.Reads.ScrollAsync(table, request, http.RequestAborted);
                return writer => RestPoints.Scroll(writer, page, RestSelectors.ShowsPayload(request.WithPayload));
            }));
        app.MapPost(Points + "/count", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_count", collection, async (body, table) =>
            {
                var count = await face.Reads.CountAsync(table, RestPointRequests.Count(collection, body.Root, RestBody.Timeout(http.Request)), http.RequestAborted);
                return writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("count", count);
                    writer.WriteEndObject();
                };
            }));

        MapSearches(app, calls);
    }

    private static void MapSearches(WebApplication app, RestCalls calls)
    {
        var face = calls.Face;
        app.MapPost(Points + "/query", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_query", collection, async (body, table) =>
            {
                var request = RestQueryRequests.Query(collection, body.Root, null, RestBody.Timeout(http.Request));
                var points = await face.Reads.QueryAsync(table, request, QdrantFace.Nprobe(http.Request), http.RequestAborted);
                return writer => RestPoints.QueryResponse(writer, points, RestSelectors.ShowsPayload(request.WithPayload));
            }));
        app.MapPost(Points + "/query/batch", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_query_batch", collection, async (body, table) =>
            {
                var batch = RestQueryRequests.QueryBatch(collection, body.Root, RestBody.Timeout(http.Request));
                var results = await face.Reads.QueryBatchAsync(table, batch, QdrantFace.Nprobe(http.Request), http.RequestAborted);
                return writer => Batch(writer, results, (i, points) => RestPoints.QueryResponse(writer, points, RestSelectors.ShowsPayload(batch.QueryPoints[i].WithPayload)));
            }));
        app.MapPost(Points + "/search", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_search", collection, async (body, table) =>
            {
                var request = RestQueryRequests.Search(collection, body.Root, null, RestBody.Timeout(http.Request));
                var points = await face.Reads.SearchAsync(table, request, QdrantFace.Nprobe(http.Request), http.RequestAborted);
                return writer => RestPoints.Scored(writer, points, RestSelectors.ShowsPayload(request.WithPayload));
            }));
        app.MapPost(Points + "/search/batch", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_search_batch", collection, async (body, table) =>
            {
                var batch = RestQueryRequests.SearchBatch(collection, body.Root, RestBody.Timeout(http.Request));
                var results = await face.Reads.SearchBatchAsync(table, batch, QdrantFace.Nprobe(http.Request), http.RequestAborted);
                return writer => Batch(writer, results, (i, points) => RestPoints.Scored(writer, points, RestSelectors.ShowsPayload(batch.SearchPoints[i].WithPayload)));
            }));
    }

    private static void Batch(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<G.ScoredPoint>> results, Action<int, IReadOnlyList<G.ScoredPoint>> each)
    {
        writer.WriteStartArray();
        for (var i = 0; i < results.Count; i++)
        {
            each(i, results[i]);
        }

        writer.WriteEndArray();
    }

    /// <summary>The <c>{id}</c> of <c>GET .../points/{id}</c>: digits are a number id, anything else a UUID.</summary>
    private static G.PointId PathId(string id) =>
        ulong.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? new G.PointId { Num = number }
            : new G.PointId { Uuid = id };
}
