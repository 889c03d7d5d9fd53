namespace RagOperator.Operator.Replication;

/// <summary>
/// The rule for Qdrant's <c>write_consistency_factor</c> (how many replicas must apply a write before Qdrant
/// acknowledges it) on every shard's collection:
/// <code>
/// factor(n) = 1                          when n ≤ 2
///           = min(n − 1, ⌊n / 2⌋ + 1)    otherwise,       n = spec.replicas
/// </code>
/// <list type="bullet">
/// <item>A majority of the replicas (⌊n/2⌋+1) acknowledges every write, so an acknowledged write survives the loss of
/// any minority of pods…</item>
/// <item>…but never all of them (at most n − 1): a rolling upgrade and a voluntary disruption (the PodDisruptionBudget
/// allows one pod down) take one replica away at a time, and writes must keep succeeding while they do. With two
/// replicas this gives 1: a majority of two is both, which would stop writes during every pod restart.</item>
/// <item>When it is applied: a higher factor only once every desired replica of the shard is Active (raising it
/// earlier would refuse writes while new replicas are still being filled); a lower factor at once, before any
/// replica is dropped. A pod restart does not change it.</item>
/// </list>
/// Resulting factors: 1→1, 2→1, 3→2, 4→3, 5→3, 6→4, 7→4, 8→5, 9→5.
/// </summary>
public static class WriteConsistency
{
    public static uint Factor(int replicas) =>
        replicas <= 2 ? 1u : (uint)Math.Min(replicas - 1, (replicas / 2) + 1);

    /// <summary>
    /// The factor to set on a shard whose collection has <paramref name="current"/>: <see cref="Factor"/> of
    /// <paramref name="desiredReplicas"/> when every desired replica is Active (<paramref name="settled"/>), otherwise
    /// only a lowering.
    /// </summary>
    public static uint Target(int desiredReplicas, uint current, bool settled)
    {
        var wanted = Factor(desiredReplicas);
        return settled || wanted < current ? wanted : current;
    }
}
