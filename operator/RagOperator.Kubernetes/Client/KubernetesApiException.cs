using System.Net;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Client;

/// <summary>The API server answered with an error (a metav1.Status), or a watch ended with an ERROR event.</summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException() : this(new Status { Code = 0, Message = "Kubernetes API error" }) { }
    public KubernetesApiException(string message) : this(new Status { Code = 0, Message = message }) { }
    public KubernetesApiException(string message, Exception inner) : base(message, inner) => Status = new Status { Code = 0, Message = message };

    public KubernetesApiException(Status status)
        : base(Describe(status)) => Status = status;

    public Status Status { get; }
    public int StatusCode => Status.Code ?? 0;
    public string? Reason => Status.Reason;
    public IReadOnlyList<StatusCause> Causes => Status.Details?.Causes?.ToList() ?? [];

    /// <summary>Maps a status to the most specific exception type, by HTTP code and reason.</summary>
    public static KubernetesApiException From(Status status, TimeSpan? retryAfter = null) => status.Code switch
    {
        (int)HttpStatusCode.NotFound => new NotFoundException(status),
        (int)HttpStatusCode.Conflict => new ConflictException(status),
        (int)HttpStatusCode.UnprocessableEntity => new InvalidException(status),
        (int)HttpStatusCode.Forbidden => new ForbiddenException(status),
        (int)HttpStatusCode.Unauthorized => new UnauthorizedException(status),
        (int)HttpStatusCode.Gone => new GoneException(status),
        (int)HttpStatusCode.TooManyRequests => new TooManyRequestsException(status, retryAfter),
        >= 500 => new ServerErrorException(status),
        _ => status.Reason == "Expired" ? new GoneException(status) : new KubernetesApiException(status),
    };

    private static string Describe(Status status)
    {
        var text = $"{status.Code} {status.Reason}: {status.Message}";
        var causes = status.Details?.Causes;
        if (causes is { Count: > 0 })
            text += " [" + string.Join("; ", causes.Select(c => $"{c.Field}: {c.Reason}: {c.Message}")) + "]";
        return text;
    }
}

/// <summary>404: the object (or its namespace, or its resource type) does not exist.</summary>
public sealed class NotFoundException(Status status) : KubernetesApiException(status);

/// <summary>
/// 409, for two different reasons: <c>AlreadyExists</c> on create, <c>Conflict</c> on a stale resourceVersion
/// (or a server-side-apply field-manager conflict, whose causes name the fields).
/// </summary>
public sealed class ConflictException(Status status) : KubernetesApiException(status)
{
    public bool IsAlreadyExists => Reason == "AlreadyExists";
}

/// <summary>422: validation failed; <see cref="KubernetesApiException.Causes"/> lists each field with its reason.</summary>
public sealed class InvalidException(Status status) : KubernetesApiException(status);

/// <summary>403: RBAC denies the request (or a namespace is terminating).</summary>
public sealed class ForbiddenException(Status status) : KubernetesApiException(status);

/// <summary>401: credentials missing or rejected.</summary>
public sealed class UnauthorizedException(Status status) : KubernetesApiException(status);

/// <summary>410: the requested resourceVersion (watch start, list continue token) is older than the server's history.</summary>
public sealed class GoneException(Status status) : KubernetesApiException(status);

/// <summary>429: the server (API priority and fairness) throttles the client; wait <see cref="RetryAfter"/>.</summary>
public sealed class TooManyRequestsException(Status status, TimeSpan? retryAfter) : KubernetesApiException(status)
{
    public TimeSpan? RetryAfter { get; } = retryAfter ?? (status.Details?.RetryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
}

/// <summary>5xx: the server failed; idempotent calls were already retried before this surfaced.</summary>
public sealed class ServerErrorException(Status status) : KubernetesApiException(status);
