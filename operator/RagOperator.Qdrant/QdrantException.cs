using System.Net;

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

    private static string Describe(string operation, Uri shardUri, HttpStatusCode? statusCode, string? qdrantMessage) =>
        statusCode is { } code
            ? $"Qdrant {operation} on {shardUri} failed with HTTP {(int)code}: {qdrantMessage}"
            : $"Qdrant {operation} on {shardUri} failed: {qdrantMessage}";
}
