namespace RagOperator.Router.Api;

/// <summary>
/// Why a request failed, as the client sees it: the HTTP status, a metric kind, a message naming the problem, the
/// request field at fault (e.g. <c>points[3].vector</c>) and, for shard failures, the shards involved.
/// </summary>
public sealed record RouterError(int Status, string Kind, string Message, string? Field = null, IReadOnlyList<int>? Shards = null)
{
    public static RouterError BadRequest(string message, string? field = null) => new(400, ErrorKinds.BadRequest, message, field);

    public static RouterError NotFound(string message, string? field = null) => new(404, ErrorKinds.NotFound, message, field);
}

/// <summary>The <c>kind</c> label of <c>ragrouter_errors_total</c>.</summary>
public static class ErrorKinds
{
    public const string BadRequest = "bad_request";
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string NotReady = "not_ready";
    public const string ShardUnavailable = "shard_unavailable";
    public const string Deadline = "deadline";
    public const string Overloaded = "overloaded";
    public const string Internal = "internal";
}

/// <summary>Thrown by request parsing and routing to end the request with <see cref="Error"/>.</summary>
public sealed class RouterRequestException : Exception
{
    public RouterRequestException()
        : this(new RouterError(500, ErrorKinds.Internal, "internal error"))
    {
    }

    public RouterRequestException(string message)
        : this(new RouterError(500, ErrorKinds.Internal, message))
    {
    }

    public RouterRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new RouterError(500, ErrorKinds.Internal, message);
    }

    public RouterRequestException(RouterError error)
        : base(error.Message)
    {
        Error = error;
    }

    public RouterError Error { get; }

    public static RouterRequestException BadRequest(string message, string? field = null) => new(RouterError.BadRequest(message, field));
}
