using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Client;

/// <summary>Options of a list call.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Page size; the server returns a <c>continue</c> token when more items remain.</summary>
    public int? Limit { get; init; }
    public string? Continue { get; init; }

    /// <summary>Unset: a consistent read of the latest state. "0": any cached state is acceptable.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>NotOlderThan or Exact, qualifying <see cref="ResourceVersion"/>.</summary>
    public string? ResourceVersionMatch { get; init; }
}

/// <summary>Options of a watch call.</summary>
public sealed record WatchOptions
{
    /// <summary>
    /// Start after this version. Unset: the server first sends ADDED for every existing object, then changes.
    /// A version the server no longer has ends the watch with 410 Gone.
    /// </summary>
    public string? ResourceVersion { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Ask for BOOKMARK events so a resumed watch can start from a recent version even when nothing changed.</summary>
    public bool AllowWatchBookmarks { get; init; } = true;

    /// <summary>The server closes the stream after this long; the client then resumes.</summary>
    public int? TimeoutSeconds { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<PropagationPolicy>))]
public enum PropagationPolicy
{
    /// <summary>Dependents are deleted after the owner, in the background (the default for most kinds).</summary>
    Background,
    /// <summary>The owner stays (with a deletionTimestamp and the foregroundDeletion finalizer) until dependents are gone.</summary>
    Foreground,
    /// <summary>Dependents are kept and lose their owner reference.</summary>
    Orphan,
}

/// <summary>Options of a delete call, sent as a DeleteOptions body.</summary>
public sealed record DeleteOptions
{
    public PropagationPolicy? PropagationPolicy { get; init; }
    public long? GracePeriodSeconds { get; init; }

    /// <summary>Delete only if the object still has this uid (not a re-created namesake).</summary>
    public string? PreconditionUid { get; init; }

    /// <summary>Delete only if the object is still at this version.</summary>
    public string? PreconditionResourceVersion { get; init; }

    internal JsonObject ToBody()
    {
        var body = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1" };
        if (PropagationPolicy is { } policy) body["propagationPolicy"] = policy.ToString();
        if (GracePeriodSeconds is { } grace) body["gracePeriodSeconds"] = grace;
        if (PreconditionUid is not null || PreconditionResourceVersion is not null)
        {
            var preconditions = new JsonObject();
            if (PreconditionUid is not null) preconditions["uid"] = PreconditionUid;
            if (PreconditionResourceVersion is not null) preconditions["resourceVersion"] = PreconditionResourceVersion;
            body["preconditions"] = preconditions;
        }
        return body;
    }
}

/// <summary>Server-side apply options. The field manager owns the fields it sends; omitted fields it owned are removed.</summary>
public sealed record ApplyOptions(string FieldManager, bool Force = false);

/// <summary>A patch body with its content type.</summary>
public sealed record KubernetesPatch(string ContentType, string Body)
{
    public const string MergePatchContentType = "application/merge-patch+json";
    public const string JsonPatchContentType = "application/json-patch+json";
    public const string StrategicMergePatchContentType = "application/strategic-merge-patch+json";
    public const string ApplyPatchContentType = "application/apply-patch+yaml";

    /// <summary>RFC 7386 JSON merge patch: objects merge, <c>null</c> deletes a field, lists are replaced whole.</summary>
    public static KubernetesPatch Merge(JsonNode patch) => new(MergePatchContentType, patch.ToJsonString());

    /// <summary>A merge patch from a typed or anonymous object serialized with the Kubernetes JSON options (nulls omitted).</summary>
    public static KubernetesPatch Merge<T>(T patch) => new(MergePatchContentType, KubernetesJson.Serialize(patch));

    /// <summary>RFC 6902 JSON patch (a list of operations; use a <c>test</c> operation for compare-and-swap).</summary>
    public static KubernetesPatch Json(JsonArray operations) => new(JsonPatchContentType, operations.ToJsonString());

    /// <summary>Strategic merge patch (built-in kinds only; lists merge by their patch keys).</summary>
    public static KubernetesPatch StrategicMerge(JsonNode patch) => new(StrategicMergePatchContentType, patch.ToJsonString());

    internal bool IsIdempotent => ContentType != JsonPatchContentType;
}
