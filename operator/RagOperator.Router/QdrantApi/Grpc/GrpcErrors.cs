using Grpc.Core;
using RagOperator.Router.Api;

namespace RagOperator.Router.QdrantApi.Grpc;

/// <summary>The router's errors as gRPC statuses, with the codes Qdrant gives the same failures.</summary>
public static class GrpcErrors
{
    public static async Task<T> AnswerAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RouterRequestException failure)
        {
            throw new RpcException(new Status(Code(failure.Error.Status), failure.Error.Message));
        }
    }

    public static StatusCode Code(int httpStatus) => httpStatus switch
    {
        400 or 413 or 422 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        409 => StatusCode.AlreadyExists,
        429 => StatusCode.ResourceExhausted,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        499 => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };
}
