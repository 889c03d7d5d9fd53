using Grpc.AspNetCore.Server;
using Grpc.Core;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Grpc;

/// <summary><c>qdrant.Qdrant/HealthCheck</c>: the Qdrant version whose API the router serves. No key is needed, as on Qdrant.</summary>
[BindServiceMethod(typeof(HealthGrpcService), nameof(BindService))]
public class HealthGrpcService
{
    /// <summary>See <see cref="PointsGrpcService.BindService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, HealthGrpcService? service) =>
        binder.AddMethod(QdrantGrpcMethods.Unary<G.HealthCheckRequest, G.HealthCheckReply>("qdrant.Qdrant", "HealthCheck"), service is null ? null : service.HealthCheck);

    public virtual Task<G.HealthCheckReply> HealthCheck(G.HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new G.HealthCheckReply { Title = QdrantCollectionView.Title, Version = QdrantCollectionView.CompatibleVersion });
}
