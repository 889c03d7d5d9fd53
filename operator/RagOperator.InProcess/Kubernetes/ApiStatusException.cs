using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>One cause of a failed request (metav1.StatusCause).</summary>
public sealed record StatusCause(string Reason, string Message, string? Field);

/// <summary>
/// A request failure that becomes a <c>metav1.Status</c> response. Every error the server returns goes through
/// this type so the JSON shape (kind Status, status Failure, message, reason, details, code) is always the same.
/// </summary>
public sealed class ApiStatusException : Exception
{
    public ApiStatusException(int code, string reason, string message, StatusDetails? details = null, int? retryAfterSeconds = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public ApiStatusException()
        : this(500, "InternalError", "internal error")
    {
    }

    public ApiStatusException(string message)
        : this(500, "InternalError", message)
    {
    }

    public ApiStatusException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
    }

    public int Code { get; }

    public string Reason { get; }

    public StatusDetails? Details { get; }

    public int? RetryAfterSeconds { get; }

    /// <summary>The metav1.Status document for this failure.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.ToJson(RetryAfterSeconds);
        }
        else if (RetryAfterSeconds is { } retry)
        {
            status["details"] = new JsonObject { ["retryAfterSeconds"] = retry };
        }

        status["code"] = Code;
        return status;
    }
}

/// <summary>metav1.StatusDetails: what the failure is about.</summary>
public sealed record StatusDetails(string? Name, string? Group, string? Kind, IReadOnlyList<StatusCause>? Causes = null, string? Uid = null)
{
    internal JsonObject ToJson(int? retryAfterSeconds)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(Name))
        {
            details["name"] = Name;
        }

        if (!string.IsNullOrEmpty(Group))
        {
            details["group"] = Group;
        }

        if (!string.IsNullOrEmpty(Kind))
        {
            details["kind"] = Kind;
        }

        if (!string.IsNullOrEmpty(Uid))
        {
            details["uid"] = Uid;
        }

        if (Causes is { Count: > 0 })
        {
            var causes = new JsonArray();
            foreach (var cause in Causes)
            {
                var item = new JsonObject { ["reason"] = cause.Reason, ["message"] = cause.Message };
                if (cause.Field is not null)
                {
                    item["field"] = cause.Field;
                }

                causes.Add(item);
            }

            details["causes"] = causes;
        }

        if (retryAfterSeconds is { } retry)
        {
            details["retryAfterSeconds"] = retry;
        }

        return details;
    }
}
