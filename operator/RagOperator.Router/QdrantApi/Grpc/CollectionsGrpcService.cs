using Grpc.AspNetCore.Server;
using Grpc.Core;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Grpc;

/// <summary>
/// <c>qdrant.Collections</c> for the router's collection: reading it (get, list, exists) is served; creating,
/// changing or deleting it, and aliases, are refused with the VectorCollection field that does it instead.
/// </summary>
[BindServiceMethod(typeof(CollectionsGrpcService), nameof(BindService))]
public class CollectionsGrpcService(QdrantFace face)
{
    private const string Service = "qdrant.Collections";

    /// <summary>See <see cref="PointsGrpcService.BindService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, CollectionsGrpcService? service)
    {
        binder.AddMethod(QdrantGrpcMethods.Unary<G.GetCollectionInfoRequest, G.GetCollectionInfoResponse>(Service, "Get"), service is null ? null : service.Get);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.ListCollectionsRequest, G.ListCollectionsResponse>(Service, "List"), service is null ? null : service.List);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.CollectionExistsRequest, G.CollectionExistsResponse>(Service, "CollectionExists"), service is null ? null : service.CollectionExists);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.CreateCollection, G.CollectionOperationResponse>(Service, "Create"), service is null ? null : service.Create);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.UpdateCollection, G.CollectionOperationResponse>(Service, "Update"), service is null ? null : service.Update);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.DeleteCollection, G.CollectionOperationResponse>(Service, "Delete"), service is null ? null : service.Delete);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.ChangeAliases, G.CollectionOperationResponse>(Service, "UpdateAliases"), service is null ? null : service.UpdateAliases);
    }

    public virtual Task<G.GetCollectionInfoResponse> Get(G.GetCollectionInfoRequest request, ServerCallContext context) =>
        GrpcErrors.AnswerAsync(() => face.RunAsync(context.GetHttpContext(), "qdrant_get_collection", request.CollectionName, async table =>
            new G.GetCollectionInfoResponse { Result = await face.Collections.InfoAsync(table, context.CancellationToken) }));

    public virtual Task<G.ListCollectionsResponse> List(G.ListCollectionsRequest request, ServerCallContext context) =>
        GrpcErrors.AnswerAsync(() => face.RunAsync(context.GetHttpContext(), "qdrant_list_collections", () =>
            Task.FromResult(new G.ListCollectionsResponse { Collections = { new G.CollectionDescription { Name = face.Options.Collection } } })));

    public virtual Task<G.CollectionExistsResponse> CollectionExists(G.CollectionExistsRequest request, ServerCallContext context) =>
        GrpcErrors.AnswerAsync(() => face.RunAsync(context.GetHttpContext(), "qdrant_collection_exists", () =>
            Task.FromResult(new G.CollectionExistsResponse { Result = new G.CollectionExists { Exists = face.Collections.Serves(request.CollectionName) } })));

    public virtual Task<G.CollectionOperationResponse> Create(G.CreateCollection request, ServerCallContext context) =>
        Refuse(context, "create_collection", QdrantCollectionView.CreateInstead);

    public virtual Task<G.CollectionOperationResponse> Update(G.UpdateCollection request, ServerCallContext context) =>
        Refuse(context, "update_collection", QdrantCollectionView.UpdateInstead);

    public virtual Task<G.CollectionOperationResponse> Delete(G.DeleteCollection request, ServerCallContext context) =>
        Refuse(context, "delete_collection", QdrantCollectionView.DeleteInstead);

    public virtual Task<G.CollectionOperationResponse> UpdateAliases(G.ChangeAliases request, ServerCallContext context) =>
        Refuse(context, "update_aliases", QdrantCollectionView.AliasesInstead);

    private Task<G.CollectionOperationResponse> Refuse(ServerCallContext context, string call, string instead) =>
        GrpcErrors.AnswerAsync(() => face.RunAsync<G.CollectionOperationResponse>(
            context.GetHttpContext(), "qdrant_" + call, () => throw face.Collections.Owned(call, instead)));
}
