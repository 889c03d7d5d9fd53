using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST collection calls: reading the router's one collection (list, info, exists, aliases) is served;
/// creating, changing or deleting it, its payload indexes, aliases, snapshots and cluster layout are refused with 403
/// and the VectorCollection field (or resource) that does it instead, as on the gRPC face.
/// </summary>
internal static class QdrantRestCollections
{
    private const string Collection = "/collections/{collection}";

    public static void Map(WebApplication app, RestCalls calls)
    {
        var face = calls.Face;
        app.MapGet("/collections", (HttpContext http) =>
            calls.Unbound(http, "qdrant_list_collections", () => writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("collections");
                writer.WriteStartObject();
                writer.WriteString("name", face.Options.Collection);
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
            }));
        app.MapGet(Collection, (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_get_collection", collection, async (_, table) =>
            {
                var info = await face.Collections.InfoAsync(table, http.RequestAborted);
                return writer => RestCollectionInfo.Write(writer, info);
            }));
        app.MapGet(Collection + "/exists", (HttpContext http, string collection) =>
            calls.Unbound(http, "qdrant_collection_exists", () => writer =>
            {
                writer.WriteStartObject();
                writer.WriteBoolean("exists", face.Collections.Serves(collection));
                writer.WriteEndObject();
            }));

        // The router's collection has no aliases; listing them answers an empty list, as Qdrant does for a collection without.
        app.MapGet("/aliases", (HttpContext http) => calls.Unbound(http, "qdrant_list_aliases", () => NoAliases));
        app.MapGet(Collection + "/aliases", (HttpContext http, string collection) =>
            calls.OnCollection(http, "qdrant_list_collection_aliases", collection, (_, _) => Task.FromResult<Action<Utf8JsonWriter>>(NoAliases)));

        MapRefusals(app, calls);
    }

    private static void MapRefusals(WebApplication app, RestCalls calls)
    {
        app.MapPut(Collection, (HttpContext http) => calls.Owned(http, "create_collection", QdrantCollectionView.CreateInstead));
        app.MapPatch(Collection, (HttpContext http) => calls.Owned(http, "update_collection", QdrantCollectionView.UpdateInstead));
        app.MapDelete(Collection, (HttpContext http) => calls.Owned(http, "delete_collection", QdrantCollectionView.DeleteInstead));
        app.MapPost("/collections/aliases", (HttpContext http) => calls.Owned(http, "update_aliases", QdrantCollectionView.AliasesInstead));
        app.MapPut(Collection + "/index", (HttpContext http) => calls.Owned(http, "create_field_index", QdrantCollectionView.IndexesInstead));
        app.MapDelete(Collection + "/index/{field}", (HttpContext http) => calls.Owned(http, "delete_field_index", QdrantCollectionView.IndexesInstead));

        const string snapshots = Collection + "/snapshots";
        app.MapGet(snapshots, (HttpContext http) => calls.Owned(http, "list_snapshots", QdrantCollectionView.SnapshotsInstead));
        app.MapPost(snapshots, (HttpContext http) => calls.Owned(http, "create_snapshot", QdrantCollectionView.SnapshotsInstead));
        app.MapPost(snapshots + "/upload", (HttpContext http) => calls.Owned(http, "upload_snapshot", QdrantCollectionView.SnapshotsInstead));
        app.MapPut(snapshots + "/recover", (HttpContext http) => calls.Owned(http, "recover_snapshot", QdrantCollectionView.SnapshotsInstead));
        app.MapGet(snapshots + "/{snapshot}", (HttpContext http) => calls.Owned(http, "get_snapshot", QdrantCollectionView.SnapshotsInstead));
        app.MapDelete(snapshots + "/{snapshot}", (HttpContext http) => calls.Owned(http, "delete_snapshot", QdrantCollectionView.SnapshotsInstead));

        app.MapGet("/cluster", (HttpContext http) => calls.Owned(http, "cluster_status", QdrantCollectionView.ClusterInstead));
        app.MapGet(Collection + "/cluster", (HttpContext http) => calls.Owned(http, "collection_cluster_info", QdrantCollectionView.ClusterInstead));
        app.MapPost(Collection + "/cluster", (HttpContext http) => calls.Owned(http, "update_collection_cluster", QdrantCollectionView.ClusterInstead));
    }

    private static void NoAliases(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("aliases");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
