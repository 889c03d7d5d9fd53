using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>The metav1.Status the API server returns for errors and for some deletes.</summary>
public sealed class Status
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Status";
    public ListMeta? Metadata { get; set; }

    /// <summary>The <c>status</c> field: Success or Failure (a member cannot share its class's name).</summary>
    [JsonPropertyName("status")]
    public string? Outcome { get; set; }

    public string? Message { get; set; }

    /// <summary>Machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, TooManyRequests...</summary>
    public string? Reason { get; set; }

    public StatusDetails? Details { get; set; }
    public int? Code { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string? Uid { get; set; }
    public IList<StatusCause>? Causes { get; set; }
    public int? RetryAfterSeconds { get; set; }
}

/// <summary>One reason a request was rejected, for example one invalid field.</summary>
public sealed class StatusCause
{
    /// <summary>FieldValueInvalid, FieldValueRequired, FieldValueForbidden, FieldManagerConflict...</summary>
    public string? Reason { get; set; }
    public string? Message { get; set; }

    /// <summary>The JSON path of the field, for example <c>spec.replicas</c>.</summary>
    public string? Field { get; set; }
}
