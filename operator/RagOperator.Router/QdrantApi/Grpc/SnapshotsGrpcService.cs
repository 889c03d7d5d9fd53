using Grpc.AspNetCore.Server;
using Grpc.Core;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Grpc;

/// <summary>
/// <c>qdrant.Snapshots</c>, refused: a router's collection spans several shards, whose snapshots the operator takes,
/// stores and restores on the VectorCollection's schedule.
/// </summary>
[BindServiceMethod(typeof(SnapshotsGrpcService), nameof(BindService))]
public class SnapshotsGrpcService(QdrantFace face)
{
    private const string Service = "qdrant.Snapshots";

    /// <summary>See <see cref="PointsGrpcService.BindService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, SnapshotsGrpcService? service)
    {
        binder.AddMethod(QdrantGrpcMethods.Unary<G.CreateSnapshotRequest, G.CreateSnapshotResponse>(Service, "Create"), service is null ? null : service.Create);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.ListSnapshotsRequest, G.ListSnapshotsResponse>(Service, "List"), service is null ? null : service.List);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.DeleteSnapshotRequest, G.DeleteSnapshotResponse>(Service, "Delete"), service is null ? null : service.Delete);
    }

    public virtual Task<G.CreateSnapshotResponse> Create(G.CreateSnapshotRequest request, ServerCallContext context) =>
        Refuse<G.CreateSnapshotResponse>(context, "create_snapshot");

    public virtual Task<G.ListSnapshotsResponse> List(G.ListSnapshotsRequest request, ServerCallContext context) =>
        Refuse<G.ListSnapshotsResponse>(context, "list_snapshots");

    public virtual Task<G.DeleteSnapshotResponse> Delete(G.DeleteSnapshotRequest request, ServerCallContext context) =>
        Refuse<G.DeleteSnapshotResponse>(context, "delete_snapshot");

    private Task<T> Refuse<T>(ServerCallContext context, string call) =>
        GrpcErrors.AnswerAsync(() => face.RunAsync<T>(context.GetHttpContext(), "qdrant_" + call, () => throw face.Collections.Owned(call, QdrantCollectionView.SnapshotsInstead)));
}
