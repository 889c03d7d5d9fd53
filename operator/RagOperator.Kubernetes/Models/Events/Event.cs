using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>
/// events.k8s.io/v1 Event. Chosen over core/v1 because repeats are modelled as a <see cref="EventSeries"/>
/// (count + last observed time) and the reporting controller/instance are first-class; <c>kubectl events</c>
/// and <c>kubectl describe</c> show both API versions since they are views of the same storage.
/// </summary>
public sealed class Event : IKubernetesObject
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    public string ApiVersion { get; set; } = "events.k8s.io/v1";
    public string Kind { get; set; } = "Event";
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>When the event was first observed (required).</summary>
    [JsonConverter(typeof(MicroTimeJsonConverter))]
    public DateTimeOffset? EventTime { get; set; }

    public EventSeries? Series { get; set; }
    public string? ReportingController { get; set; }
    public string? ReportingInstance { get; set; }

    /// <summary>What was done (or failed), for example <c>Reconcile</c>; required, at most 128 characters.</summary>
    public string? Action { get; set; }

    /// <summary>Why, in UpperCamelCase, for example <c>ShardScaledOut</c>; required, at most 128 characters.</summary>
    public string? Reason { get; set; }
    public ObjectReference? Regarding { get; set; }
    public ObjectReference? Related { get; set; }

    /// <summary>Human-readable description, at most 1 kB.</summary>
    public string? Note { get; set; }

    /// <summary>Normal or Warning.</summary>
    public string? Type { get; set; }
    public DateTimeOffset? DeprecatedFirstTimestamp { get; set; }
    public DateTimeOffset? DeprecatedLastTimestamp { get; set; }
    public int? DeprecatedCount { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class EventSeries
{
    public int Count { get; set; }

    [JsonConverter(typeof(MicroTimeJsonConverter))]
    public DateTimeOffset LastObservedTime { get; set; }
}
