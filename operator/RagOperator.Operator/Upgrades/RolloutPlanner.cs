namespace RagOperator.Operator.Upgrades;

/// <summary>One pod of a shard as the rollout sees it.</summary>
/// <param name="Updated">Runs the StatefulSet's latest template revision.</param>
/// <param name="CrashLooping">Its container keeps failing (restarts, CrashLoopBackOff): it will not become Ready by waiting.</param>
public sealed record RolloutPod(string Name, int Ordinal, bool Updated, bool Ready, bool Terminating, bool CrashLooping, DateTimeOffset? Created);

/// <summary>One shard as the rollout sees it.</summary>
/// <param name="Observed">The StatefulSet controller has seen the latest template (status.updateRevision is current);
/// until it has, the shard's pods cannot be told apart by revision and the rollout waits.</param>
/// <param name="ReplicasSettled">Every replica of the shard's data is Active and no transfer runs (or the shard has no data yet).</param>
/// <param name="ReplicaMessage">What the replicas are doing when they are not settled.</param>
public sealed record RolloutShard(int Index, bool Observed, int DesiredPods, IReadOnlyList<RolloutPod> Pods, bool ReplicasSettled, string? ReplicaMessage);

/// <summary>The next step of a rolling upgrade.</summary>
public abstract record RolloutDecision
{
    /// <summary>Every pod of every shard runs the latest revision and is Ready.</summary>
    public sealed record UpToDate : RolloutDecision;

    /// <summary>Delete this pod; the StatefulSet controller recreates it from the new template.</summary>
    public sealed record DeletePod(int Shard, string Pod) : RolloutDecision;

    /// <summary>Waiting on <see cref="Shard"/> (a pod starting, replicas catching up).</summary>
    public sealed record Wait(int Shard, string Message) : RolloutDecision;

    /// <summary>A replaced pod did not come back healthy: nothing more is deleted until it does or the spec changes.</summary>
    public sealed record Halt(int Shard, string Pod, string Message) : RolloutDecision;
}

/// <summary>
/// The rolling upgrade of a collection's shards (pure), with StatefulSets on <c>OnDelete</c> so that only the operator
/// replaces pods:
/// <list type="bullet">
/// <item>Shards one after another, in index order: a shard is finished when all its pods run the latest revision and
/// are Ready; later shards are not touched before that.</item>
/// <item>Within a shard, one pod at a time, highest ordinal first (as the StatefulSet controller would); the next pod
/// is deleted only when every pod is Ready again and every replica of the shard's data is Active (the restarted peer
/// caught up), so a shard with two or more replicas keeps serving reads and writes throughout. A shard with one
/// replica is unavailable while its only pod restarts; Qdrant has no way around that.</item>
/// <item>A replaced pod that crash-loops, or is not Ready within the timeout, halts the rollout: no further pod is
/// deleted anywhere until it becomes Ready or the spec changes. An outdated pod that is not Ready is replaced first:
/// it serves nothing, and the new template (for example a version rolled back) may fix it.</item>
/// </list>
/// </summary>
public static class RolloutPlanner
{
    public static readonly TimeSpan DefaultPodReadyTimeout = TimeSpan.FromMinutes(10);

    public static RolloutDecision Next(IReadOnlyList<RolloutShard> shards, DateTimeOffset now, TimeSpan podReadyTimeout)
    {
        // Until the StatefulSet controller has seen the template, "updated" is measured against the previous revision
        // and every old pod would look current: nothing can be decided about that shard yet.
        if (shards.OrderBy(s => s.Index).FirstOrDefault(s => !s.Observed) is { } unobserved)
            return new RolloutDecision.Wait(unobserved.Index, $"shard {unobserved.Index}: waiting for the StatefulSet controller to see the new template");

        // Every pod that exists runs the latest revision and none is missing (a deleted pod may not be recreated yet).
        if (shards.All(s => s.Pods.All(p => p.Updated) && s.Pods.Count(p => !p.Terminating) >= s.DesiredPods))
            return UpToDateUnlessHalted(shards, now, podReadyTimeout);
        foreach (var shard in shards.OrderBy(s => s.Index))
        {
            if (Finished(shard)) continue;
            if (Broken(shard, now, podReadyTimeout) is { } halt) return halt;
            if (shard.Pods.FirstOrDefault(p => !p.Updated && !p.Ready && !p.Terminating) is { } broken)
                return new RolloutDecision.DeletePod(shard.Index, broken.Name);
            if (shard.Pods.FirstOrDefault(p => p.Terminating || !p.Ready) is { } starting)
                return new RolloutDecision.Wait(shard.Index, $"shard {shard.Index}: pod {starting.Name} is {(starting.Terminating ? "terminating" : "not Ready yet")}");
            if (shard.Pods.Count < shard.DesiredPods)
                return new RolloutDecision.Wait(shard.Index, $"shard {shard.Index}: {shard.Pods.Count}/{shard.DesiredPods} pods exist");
            if (!shard.ReplicasSettled)
                return new RolloutDecision.Wait(shard.Index, $"shard {shard.Index}: waiting for every replica to be Active again ({shard.ReplicaMessage ?? "replicas catching up"})");
            var next = shard.Pods.Where(p => !p.Updated).OrderByDescending(p => p.Ordinal).First();
            return new RolloutDecision.DeletePod(shard.Index, next.Name);
        }

        return new RolloutDecision.UpToDate();
    }

    private static bool Finished(RolloutShard shard) =>
        shard.Pods.Count >= shard.DesiredPods && shard.Pods.All(p => p.Updated && p.Ready && !p.Terminating);

    /// <summary>A shard whose updated pod will not come up by waiting.</summary>
    private static RolloutDecision.Halt? Broken(RolloutShard shard, DateTimeOffset now, TimeSpan timeout)
    {
        foreach (var pod in shard.Pods.Where(p => p.Updated && !p.Ready && !p.Terminating).OrderBy(p => p.Ordinal))
        {
            if (pod.CrashLooping)
                return new RolloutDecision.Halt(shard.Index, pod.Name, $"pod {pod.Name} of shard {shard.Index} keeps crashing on the new revision");
            if (pod.Created is { } created && now - created > timeout)
                return new RolloutDecision.Halt(shard.Index, pod.Name,
                    $"pod {pod.Name} of shard {shard.Index} is not Ready {(int)timeout.TotalSeconds}s after it was replaced");
        }

        return null;
    }

    /// <summary>Everything runs the latest revision; a pod that does not come up still halts (a one-pod shard).</summary>
    private static RolloutDecision UpToDateUnlessHalted(IReadOnlyList<RolloutShard> shards, DateTimeOffset now, TimeSpan timeout)
    {
        foreach (var shard in shards.OrderBy(s => s.Index))
        {
            if (Broken(shard, now, timeout) is { } halt) return halt;
        }

        return new RolloutDecision.UpToDate();
    }
}
