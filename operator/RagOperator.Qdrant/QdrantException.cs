using System.Net;
using Grpc.Core;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace RagOperator.Qdrant;

/// <summary>
/// A failed Qdrant call. <see cref="QdrantMessage"/> is Qdrant's own error text (the <c>status.error</c> of its
/// error envelope, or the plain-text body of an authentication failure). <see cref="IsTransient"/> is true for
/// 5xx, 429, timeouts and connection failures — the failures retried with backoff.
/// </summary>
public sealed class QdrantException : Exception
{
    public QdrantException(string message)
        : base(message)
    {
        Operation = string.Empty;
        ShardUri = new Uri("http://unknown/");
    }

    public QdrantException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = string.Empty;
        ShardUri = new Uri("http://unknown/");
    }

    public QdrantException(
        string operation, Uri shardUri, HttpStatusCode? statusCode, string? qdrantMessage, bool isTransient, Exception? inner = null)
        : base(Describe(operation, shardUri, statusCode, qdrantMessage), inner)
    {
        Operation = operation;
        ShardUri = shardUri;
        StatusCode = statusCode;
        QdrantMessage = qdrantMessage;
        IsTransient = isTransient;
    }

    /// <summary>
    /// A failed gRPC call, with the HTTP status Qdrant's REST face gives the same error kind, so callers test
    /// <see cref="IsNotFound"/> and <see cref="IsConflict"/> whatever the transport.
    /// </summary>
    public static QdrantException FromRpc(string operation, Uri shardUri, RpcException error)
    {
        // A call whose connection failed or broke got no answer from Qdrant, whatever code gRPC gives it.
        var noResponse = error.Status.DebugException is HttpRequestException or IOException or System.Net.Sockets.SocketException;
        var status = noResponse ? null : error.StatusCode switch
        {
            GrpcStatusCode.InvalidArgument or GrpcStatusCode.OutOfRange => HttpStatusCode.BadRequest,
            GrpcStatusCode.Unauthenticated => HttpStatusCode.Unauthorized,
            GrpcStatusCode.PermissionDenied => HttpStatusCode.Forbidden,
            GrpcStatusCode.NotFound => HttpStatusCode.NotFound,
            GrpcStatusCode.AlreadyExists => HttpStatusCode.Conflict,
            GrpcStatusCode.FailedPrecondition => HttpStatusCode.PreconditionFailed,
            GrpcStatusCode.ResourceExhausted => HttpStatusCode.TooManyRequests,
            GrpcStatusCode.Unimplemented => HttpStatusCode.NotImplemented,
            GrpcStatusCode.Unavailable => HttpStatusCode.ServiceUnavailable,
            GrpcStatusCode.DeadlineExceeded or GrpcStatusCode.Cancelled => (HttpStatusCode?)null,
            _ => HttpStatusCode.InternalServerError,
        };
        var transient = noResponse || error.StatusCode is GrpcStatusCode.Unavailable or GrpcStatusCode.DeadlineExceeded
            or GrpcStatusCode.ResourceExhausted or GrpcStatusCode.Internal or GrpcStatusCode.Unknown
            or GrpcStatusCode.Aborted or GrpcStatusCode.Cancelled or GrpcStatusCode.DataLoss;
        var message = error.Status.DebugException switch
        {
            HttpRequestException connection => DescribeConnectionError(connection),
            System.Net.Sockets.SocketException or IOException => $"shard unreachable ({error.Status.Detail}: {error.Status.DebugException.Message})",
            _ => error.Status.Detail,
        };
        return new QdrantException(operation, shardUri, status, message, transient, error) { GrpcStatus = error.StatusCode };
    }

    /// <summary>The gRPC status of a failed gRPC call; null for REST calls.</summary>
    public GrpcStatusCode? GrpcStatus { get; private init; }

    /// <summary>The client operation, e.g. <c>upsert_points</c>.</summary>
    public string Operation { get; }

    /// <summary>Base URI of the shard that failed.</summary>
    public Uri ShardUri { get; }

    /// <summary>HTTP status; null when no response arrived (connection failure or timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    public string? QdrantMessage { get; }

    public bool IsTransient { get; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    /// <summary>
    /// What a request that got no response met, for a message: a TLS handshake the client refused is told apart from
    /// an unreachable shard, with what to check, since no retry fixes a certificate the client does not trust.
    /// </summary>
    public static string DescribeConnectionError(HttpRequestException error)
    {
        if (error.HttpRequestError != HttpRequestError.SecureConnectionError) return $"shard unreachable ({error.Message})";
        var cause = error.InnerException;
        while (cause?.InnerException is not null) cause = cause.InnerException;
        return "TLS handshake failed: the shard's certificate is not trusted (it must chain to a CA in the ca.crt of the " +
               $"collection's certificate Secrets and name the shard's host) ({cause?.Message ?? error.Message})";
    }

    /// <summary>True for transient failures: 5xx, 408, 429, and no response at all.</summary>
    public static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    public override string Message => GrpcStatus is { } grpc
        ? $"Qdrant {Operation} on {ShardUri} failed with gRPC {grpc}: {QdrantMessage}"
        : base.Message;

    private static string Describe(string operation, Uri shardUri, HttpStatusCode? statusCode, string? qdrantMessage) =>
        statusCode is { } code
            ? $"Qdrant {operation} on {shardUri} failed with HTTP {(int)code}: {qdrantMessage}"
            : $"Qdrant {operation} on {shardUri} failed: {qdrantMessage}";
}
