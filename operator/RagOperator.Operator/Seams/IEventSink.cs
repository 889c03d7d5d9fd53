using System.Globalization;
using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Seams;

/// <summary>
/// Kubernetes Events about an object (<c>kubectl describe vc</c>). Events are written only when the operator acts
/// (creates, patches, publishes) or meets a new problem, never on a reconcile that changes nothing.
/// </summary>
public interface IEventSink
{
    /// <summary>Fire and forget: an event that cannot be written is logged, never fails a reconcile.</summary>
    Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken);
}

/// <summary>Writes events.k8s.io/v1 Events through the API.</summary>
public sealed class KubernetesEventSink(IKubernetesClient client, string reportingInstance, ILogger logger, TimeProvider? time = null) : IEventSink
{
    public const string ReportingController = "ragoperator.io/rag-operator";

    public async Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var evt = new Event
        {
            Metadata = new ObjectMeta
            {
                Name = $"{regarding.Metadata.Name}.{now.ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture)}{Random.Shared.Next(0, 0xfff):x3}",
                Namespace = regarding.Metadata.Namespace ?? "default",
            },
            EventTime = now,
            ReportingController = ReportingController,
            ReportingInstance = reportingInstance,
            Action = action,
            Reason = reason,
            Type = type,
            Regarding = ObjectReference.For(regarding),
            Note = note.Length > 1000 ? note[..1000] : note,
        };
        try
        {
            await client.CreateAsync(evt, cancellationToken);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
        {
            logger.LogWarning("Could not record event {Reason} on {Kind} {Name}: {Error}", reason, regarding.Kind, regarding.Metadata.Name, e.Message);
        }
    }
}

/// <summary>Drops events (render, unit tests).</summary>
public sealed class NullEventSink : IEventSink
{
    public static NullEventSink Instance { get; } = new();

    public Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
