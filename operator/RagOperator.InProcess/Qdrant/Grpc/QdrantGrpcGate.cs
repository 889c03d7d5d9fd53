using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using RagOperator.InProcess.Qdrant.Handlers;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>
/// What every gRPC call passes before its handler, as the REST face does for every request: the server's faults
/// (down, slow, injected errors), Qdrant's <c>api-key</c> check (metadata; <c>authorization: Bearer</c> too), the
/// cluster's replica gate for point operations, and the translation of the server's errors into gRPC statuses
/// with Qdrant's words.
/// </summary>
internal sealed class QdrantGrpcGate(
    InProcessQdrantOptions options, QdrantFaults faults, InProcessQdrantCollections collections, InProcessQdrantCluster cluster)
    : Interceptor
{
    /// <summary>Qdrant answers its gRPC health check without a key, as its REST face does <c>/healthz</c>.</summary>
    private const string OpenMethod = "/qdrant.Qdrant/HealthCheck";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await ApplyFaultsAsync(context);
        var readOnly = QdrantGrpcMethods.IsReadOnly(context.Method);
        if (context.Method != OpenMethod)
        {
            Authorize(context, readOnly);
        }

        if (faults.NextInjectedStatus() is { } injected)
        {
            throw new RpcException(new Status(ToStatusCode(injected), QdrantFaults.InjectedMessage(injected)));
        }

        try
        {
            if (context.Method.StartsWith("/qdrant.Points/", StringComparison.Ordinal) && request is IMessage message &&
                CollectionName(message) is { } name && collections.TryGet(name, out var served))
            {
                cluster.CheckServing(name, write: !readOnly, served.Params.WriteConsistencyFactor);
            }

            // The request was read whole before this point; a write whose client has gone is dropped, as over REST.
            context.CancellationToken.ThrowIfCancellationRequested();
            return await continuation(request, context);
        }
        catch (QdrantHttpError error)
        {
            throw new RpcException(new Status(ToStatusCode(error.StatusCode), error.Message));
        }
    }

    private async Task ApplyFaultsAsync(ServerCallContext context)
    {
        if (faults.CurrentDownMode is { } down)
        {
            if (down == QdrantDownMode.CloseConnection)
            {
                context.GetHttpContext().Abort();
            }

            throw new RpcException(new Status(StatusCode.Unavailable, "Service unavailable: the in-process Qdrant is down"));
        }

        var latency = faults.NextDelay();
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, context.CancellationToken);
        }
    }

    private void Authorize(ServerCallContext context, bool readOnly)
    {
        if (options.ApiKey is null && options.ReadOnlyApiKey is null)
        {
            return;
        }

        var key = context.RequestHeaders.GetValue("api-key");
        if (key is null && context.RequestHeaders.GetValue("authorization") is { } authorization &&
            authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = authorization["Bearer ".Length..];
        }

        if (key is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Must provide an API key or an Authorization bearer token"));
        }

        if (QdrantApi.Matches(options.ApiKey, key) || (readOnly && QdrantApi.Matches(options.ReadOnlyApiKey, key)))
        {
            return;
        }

        throw QdrantApi.Matches(options.ReadOnlyApiKey, key)
            ? new RpcException(new Status(StatusCode.PermissionDenied, "Forbidden: Only read-only access is allowed"))
            : new RpcException(new Status(StatusCode.Unauthenticated, "Invalid API key or JWT"));
    }

    private static string? CollectionName(IMessage message) =>
        message.Descriptor.FindFieldByName("collection_name") is { FieldType: FieldType.String } field
            ? (string)field.Accessor.GetValue(message)
            : null;

    /// <summary>The gRPC code Qdrant gives each of its error kinds (its REST status in the server's errors).</summary>
    internal static StatusCode ToStatusCode(int httpStatus) => httpStatus switch
    {
        400 or 422 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        408 => StatusCode.DeadlineExceeded,
        409 => StatusCode.AlreadyExists,
        413 => StatusCode.ResourceExhausted,
        429 => StatusCode.ResourceExhausted,
        503 => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };
}
