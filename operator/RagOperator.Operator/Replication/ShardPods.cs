using System.Globalization;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Replication;

/// <summary>The pods of a collection's shards, read from the informer cache (no request).</summary>
public static class ShardPods
{
    /// <summary>Pods of <paramref name="collection"/> by shard index, each ordered by ordinal.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<Pod>> Of(Reconciliation.IClusterView view, Api.V1Alpha1.VectorCollection owner)
    {
        var @namespace = owner.Metadata.Namespace!;
        var collection = owner.Metadata.Name!;
        var result = new Dictionary<int, List<Pod>>();
        foreach (var pod in Candidates(view, @namespace, owner.Metadata.Uid))
        {
            var labels = pod.Metadata.Labels;
            if (labels is null || !labels.TryGetValue(Labels.Instance, out var instance) || instance != collection) continue;
            if (!labels.TryGetValue(Labels.Component, out var component) || component != Labels.ShardComponent) continue;
            if (!labels.TryGetValue(Labels.Shard, out var shardText)
                || !int.TryParse(shardText, NumberStyles.None, CultureInfo.InvariantCulture, out var shard)) continue;
            if (Ordinal(ChildNames.Shard(collection, shard), pod.Metadata.Name) is null) continue;
            if (!result.TryGetValue(shard, out var list)) result[shard] = list = [];
            list.Add(pod);
        }

        return result.ToDictionary(
            entry => entry.Key,
            entry => (IReadOnlyList<Pod>)entry.Value.OrderBy(p => Ordinal(ChildNames.Shard(collection, entry.Key), p.Metadata.Name)).ToList());
    }

    /// <summary>
    /// The pods of the collection's StatefulSets through the owner index, so a reconcile copies only its own pods and
    /// does not slow down with the number of collections in the namespace; every pod of the namespace only for an
    /// object without a UID (one the API server has not stored).
    /// </summary>
    private static IEnumerable<Pod> Candidates(Reconciliation.IClusterView view, string @namespace, string? ownerUid) =>
        ownerUid is not null
            ? view.OwnedBy<StatefulSet>(@namespace, ownerUid).SelectMany(set => set.Metadata.Uid is { } uid ? view.OwnedBy<Pod>(@namespace, uid) : [])
            : view.List<Pod>(@namespace);

    public static int? Ordinal(string statefulSetName, string? podName) =>
        podName is not null && podName.StartsWith(statefulSetName + "-", StringComparison.Ordinal)
        && int.TryParse(podName.AsSpan(statefulSetName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : null;

    public static bool IsReady(Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>The container will not start by waiting: crash loop, image or config errors, or the pod failed.</summary>
    public static bool IsCrashLooping(Pod pod)
    {
        if (pod.Status?.Phase == "Failed") return true;
        foreach (var container in pod.Status?.ContainerStatuses ?? [])
        {
            var waiting = container.State?["waiting"]?["reason"]?.GetValue<string>();
            if (waiting is "CrashLoopBackOff" or "ImagePullBackOff" or "ErrImagePull" or "CreateContainerConfigError" or "InvalidImageName") return true;
            if (!container.Ready && container.RestartCount >= 3) return true;
        }

        return false;
    }
}
