using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>Who writes and how: the field manager recorded in managedFields, dry run, and force for apply.</summary>
internal sealed record WriteOptions(string Manager, bool DryRun = false, bool Force = false);

/// <summary>DeleteOptions: propagation policy and preconditions.</summary>
internal sealed record DeleteOptions(string? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false);

/// <summary>The query of a list (and of a watch's initial state).</summary>
internal sealed record ListOptions(LabelSelector Labels, FieldSelector Fields, int? Limit = null, string? Continue = null, string? ResourceVersion = null, string? ResourceVersionMatch = null)
{
    public static ListOptions All { get; } = new(LabelSelector.Everything, FieldSelector.Everything);
}

/// <summary>A page of a list, with the snapshot version and the token for the next page.</summary>
internal sealed record ListResult(IReadOnlyList<JsonObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);

/// <summary>The result of a write: the object to return, whether storage changed, and the HTTP status.</summary>
internal sealed record WriteOutcome(JsonObject Object, bool Committed, int StatusCode);
