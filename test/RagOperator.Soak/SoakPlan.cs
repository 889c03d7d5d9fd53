using System.Globalization;
using RagOperator.Workload;

namespace RagOperator.Soak;

/// <summary>
/// Everything random about one soak run, drawn from its seed alone: the shard change (1..8 → 1..8), the initial
/// points, the copy rate, the shard fault rate, the hot ids, the operator kills and the API server's conflicts. The
/// same seed gives the same plan; thread timing still varies between runs of one seed, which is what many runs explore.
/// </summary>
public sealed record SoakPlan(
    int Seed, int From, int To, int Points, int MaxPointsPerSecond, double FaultRate, int HotIds, IReadOnlyList<KillPlan> Kills, double ApiConflictRate,
    RouterApi Api = RouterApi.V1Json)
{
    public const int MaxShards = 8;

    public static SoakPlan ForSeed(int seed)
    {
        var random = new Random(Scramble(seed));
        var from = 1 + random.Next(MaxShards);
        var to = 1 + random.Next(MaxShards - 1);
        if (to >= from) to++;
        int[] rates = [300, 600, 1000, 2000];
        var kills = random.Next(1, 5);
        var plan = new SoakPlan(
            seed,
            from,
            to,
            Points: 800 + random.Next(1200),
            MaxPointsPerSecond: rates[random.Next(rates.Length)],
            FaultRate: random.Next(4) switch { 0 => 0, 1 => 0.02, _ => 0.05 },
            HotIds: random.Next(2, 9),
            Kills: [.. Enumerable.Range(0, kills).Select(k => KillPlan.Draw(random, whileResumingChance: k == 0 ? 0 : 0.3))],
            ApiConflictRate: 0);

        // Drawn last, so that adding them left every earlier draw (and the replay of older seeds) as it was.
        plan = plan with { ApiConflictRate = random.Next(3) switch { 0 => 0, 1 => 0.05, _ => 0.15 } };
        return plan with { Api = random.Next(2) == 0 ? RouterApi.V1Json : RouterApi.QdrantGrpc };
    }

    /// <summary>
    /// The seed of the run's generator, scrambled (SplitMix64's finalizer): <see cref="Random"/> seeded with consecutive
    /// integers draws nearly the same plans, shifted by a constant step, so a range of seeds would explore a narrow
    /// family of scenarios.
    /// </summary>
    internal static int Scramble(int seed)
    {
        var z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"seed {Seed}: {From} -> {To} shards, {Points} points, maxPointsPerSecond {MaxPointsPerSecond}, {FaultRate:P0} shard faults, {HotIds} hot ids per writer, {ApiConflictRate:P0} API conflicts on status and ConfigMap writes, clients on {Api}, kills: {string.Join("; ", Kills)}");
}
