using RagOperator.Kubernetes.Events;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Seams;

/// <summary>
/// Kubernetes Events about an object (<c>kubectl describe vc</c>). Events are written only when the operator acts
/// (creates, patches, publishes) or meets a new problem, never on a reconcile that changes nothing.
/// </summary>
public interface IEventSink
{
    /// <summary>Best effort: an event that cannot be written is logged, never fails a reconcile.</summary>
    Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken);
}

/// <summary>
/// Events through the controller runtime's <see cref="IEventRecorder"/> (events.k8s.io/v1, repeats aggregated into
/// a series, rate limited per object).
/// </summary>
public sealed class KubernetesEventSink(IEventRecorder recorder) : IEventSink
{
    public const string ReportingController = "ragoperator.io/rag-operator";

    public Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken) =>
        recorder.RecordAsync(regarding, type, reason, action, note, cancellationToken);
}

/// <summary>Drops events (render, unit tests).</summary>
public sealed class NullEventSink : IEventSink
{
    public static NullEventSink Instance { get; } = new();

    public Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
