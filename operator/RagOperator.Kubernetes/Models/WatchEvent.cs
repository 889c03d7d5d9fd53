using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>The type of a watch event, as sent on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WatchEventType>))]
public enum WatchEventType
{
    [JsonStringEnumMemberName("ADDED")] Added,
    [JsonStringEnumMemberName("MODIFIED")] Modified,
    [JsonStringEnumMemberName("DELETED")] Deleted,
    /// <summary>Only <c>metadata.resourceVersion</c> of the object is meaningful: the watch has seen up to it.</summary>
    [JsonStringEnumMemberName("BOOKMARK")] Bookmark,
    /// <summary>The object is a metav1.Status; the client surfaces it as an exception instead of an event.</summary>
    [JsonStringEnumMemberName("ERROR")] Error,
}

/// <summary>One change to an object seen through a watch.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object)
    where T : IKubernetesObject;
