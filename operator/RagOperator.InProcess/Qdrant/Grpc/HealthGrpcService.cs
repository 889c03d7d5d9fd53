using Grpc.Core;
using Qdrant.Client.Grpc;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary><c>qdrant.Qdrant</c>: the health check, answered without an API key as Qdrant does.</summary>
[BindServiceMethod(typeof(HealthGrpcService), nameof(BindService))]
internal class HealthGrpcService(InProcessQdrantOptions options)
{
    /// <summary>See <see cref="PointsGrpcService.BindService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, HealthGrpcService? service) =>
        binder.AddMethod(QdrantGrpcMethods.Unary<HealthCheckRequest, HealthCheckReply>("qdrant.Qdrant", "HealthCheck"), service is null ? null : service.HealthCheck);

    public virtual Task<HealthCheckReply> HealthCheck(HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckReply { Title = "qdrant - vector search engine", Version = options.Version, Commit = "in-process" });
}
