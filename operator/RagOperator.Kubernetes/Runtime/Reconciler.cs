using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Watching;

namespace RagOperator.Kubernetes.Runtime;

/// <summary>Which object to reconcile. The reconciler reads the current state itself (from an informer), so a deleted object is simply absent.</summary>
public sealed record ReconcileRequest(string? Namespace, string Name)
{
    public string Key => ObjectKey.Of(Namespace, Name);

    public static ReconcileRequest FromKey(string key)
    {
        var (ns, name) = ObjectKey.Split(key);
        return new ReconcileRequest(ns, name);
    }

    public override string ToString() => Key;
}

/// <summary>What to do after a reconcile that did not throw. A thrown exception means: retry with backoff.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(TimeSpan? after, bool backoff)
    {
        After = after;
        WithBackoff = backoff;
    }

    /// <summary>Converged; reconcile again only when something changes (or at resync).</summary>
    public static ReconcileResult Done { get; } = new(null, false);

    /// <summary>Not converged yet and no better time to look again: requeue with the per-key backoff.</summary>
    public static ReconcileResult Requeue { get; } = new(null, true);

    /// <summary>Look again after a fixed time (for example while waiting for pods); resets the backoff.</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay) => new(delay, false);

    public TimeSpan? After { get; }
    public bool WithBackoff { get; }
}

/// <summary>Drives the objects of kind <typeparamref name="T"/> towards their spec. Must be idempotent.</summary>
public interface IReconciler<T>
    where T : class, IKubernetesObject
{
    Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken);
}

/// <summary>A reconciler from a delegate (tests, small controllers).</summary>
public sealed class DelegateReconciler<T>(Func<ReconcileRequest, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler<T>
    where T : class, IKubernetesObject
{
    public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken) => reconcile(request, cancellationToken);
}
