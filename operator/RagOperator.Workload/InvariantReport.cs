using System.Globalization;
using System.Text;
using RagOperator.Routing;

namespace RagOperator.Workload;

/// <summary>The invariants of a migration, measured against the acknowledged-write oracle and the shards' contents.</summary>
public sealed record InvariantReport
{
    public long PointsAcknowledged { get; init; }
    public long LostWrites { get; init; }
    public long ResurrectedDeletes { get; init; }
    public long PointsOnWrongOrMultipleShards { get; init; }
    public long UnexpectedPoints { get; init; }
    public long FailedSearches { get; init; }
    public long PointsStored { get; init; }
    /// <summary>A few concrete violations, for the failure message.</summary>
    public IReadOnlyList<string> Examples { get; init; } = [];

    public bool Holds => LostWrites == 0 && ResurrectedDeletes == 0 && PointsOnWrongOrMultipleShards == 0
        && UnexpectedPoints == 0 && FailedSearches == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"points_acknowledged: {PointsAcknowledged}\n");
        text.Append(CultureInfo.InvariantCulture, $"lost_writes: {LostWrites}\n");
        text.Append(CultureInfo.InvariantCulture, $"resurrected_deletes: {ResurrectedDeletes}\n");
        text.Append(CultureInfo.InvariantCulture, $"points_on_wrong_or_multiple_shards: {PointsOnWrongOrMultipleShards}\n");
        text.Append(CultureInfo.InvariantCulture, $"failed_searches: {FailedSearches}");
        if (UnexpectedPoints > 0) text.Append(CultureInfo.InvariantCulture, $"\nunexpected_points: {UnexpectedPoints}");
        foreach (var example in Examples) text.Append("\n  ").Append(example);
        return text.ToString();
    }

    /// <summary>
    /// Checks every id the oracle knows and every point the shards hold: the state found must be one the
    /// acknowledged writes allow, and each point must sit on exactly one shard, the owner of its cell in
    /// <paramref name="finalTable"/> (which must be stable: no migration in progress). When the table places points by
    /// their vectors (semantic), the copies must have been scanned with vectors: the owner is that of the nearest centroid.
    /// </summary>
    public static InvariantReport Check(AckOracle oracle, RoutingTable finalTable, IReadOnlyDictionary<ulong, List<PointCopy>> found, long failedSearches)
    {
        long lost = 0, resurrected = 0, misplaced = 0, unexpected = 0;
        var examples = new List<string>();
        void Example(string text)
        {
            if (examples.Count < 10) examples.Add(text);
        }

        foreach (var id in oracle.Ids().Concat(found.Keys).Distinct())
        {
            found.TryGetValue(id, out var copies);
            if (copies is { Count: > 0 })
            {
                var key = PointKey.FromUlong(id);
                var owner = finalTable.CellDependsOnVector
                    ? finalTable.Route(key, copies[0].Vector ?? throw new InvalidOperationException($"point {id} was scanned without its vector; the table places points by vector")).Targets[0]
                    : finalTable.NewOwner(finalTable.CellOf(key));
                if (copies.Count > 1 || copies[0].Shard != owner)
                {
                    misplaced++;
                    Example($"point {id}: on shard(s) {string.Join(",", copies.Select(c => c.Shard))}, owner is shard {owner}");
                }
            }
            // With several copies, judge the newest: an older extra copy is already counted as misplaced.
            var state = copies is { Count: > 0 } ? copies.MaxBy(c => c.WriteVersion ?? long.MinValue)!.Sequence : (long?)null;
            switch (oracle.Judge(id, state))
            {
                case Verdict.LostWrite:
                    lost++;
                    Example($"point {id}: lost write (found {(state is null ? "nothing" : $"seq {state}")})");
                    break;
                case Verdict.ResurrectedDelete:
                    resurrected++;
                    Example($"point {id}: deleted but found with seq {state}");
                    break;
                case Verdict.Unexpected:
                    unexpected++;
                    Example($"point {id}: never written but found");
                    break;
            }
        }

        return new InvariantReport
        {
            PointsAcknowledged = oracle.AcknowledgedWrites,
            LostWrites = lost,
            ResurrectedDeletes = resurrected,
            PointsOnWrongOrMultipleShards = misplaced,
            UnexpectedPoints = unexpected,
            FailedSearches = failedSearches,
            PointsStored = found.Count,
            Examples = examples,
        };
    }
}
