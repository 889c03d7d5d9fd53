using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>Identifies a stored object: its resource ("statefulsets.apps", "pods"), namespace (null when cluster-scoped) and name.</summary>
public readonly record struct ObjectKey(string Resource, string? Namespace, string Name)
{
    /// <summary>The storage order key ("namespace/name", or "name"), compared ordinally like etcd keys.</summary>
    internal string SortKey => Namespace is null ? Name : $"{Namespace}/{Name}";

    public override string ToString() => $"{Resource} {SortKey}";
}

/// <summary>
/// One committed change. <see cref="Object"/> carries the new resourceVersion (for a deletion: the last state
/// stamped with the deletion's version, as the real server sends it); <see cref="Previous"/> is the state before.
/// Both are frozen: nobody mutates them.
/// </summary>
public sealed record StoreEvent(long ResourceVersion, WatchEventType Type, ObjectKey Key, JsonObject Object, JsonObject? Previous);
