using System.Globalization;

namespace RagOperator.Routing;

/// <summary>The one check that cells 0..slots-1 are each owned exactly once, with messages naming cells and shards.</summary>
internal static class OwnershipChecks
{
    private const int MaxReported = 10;

    public static void Check(int slots, IEnumerable<(int Shard, CellSet Cells)> owners, string noun, List<string> problems)
    {
        var ranges = new List<(CellRange Range, int Shard)>();
        foreach (var (shard, cells) in owners)
        {
            foreach (var range in cells.Ranges)
            {
                if (range.End >= slots)
                {
                    var outside = range.Start >= slots ? range : new CellRange(slots, range.End);
                    problems.Add($"{noun} {shard} owns {Describe(outside)} but there are only {slots} cells (0-{slots - 1})");
                }

                if (range.Start < slots)
                {
                    ranges.Add((new CellRange(range.Start, Math.Min(range.End, slots - 1)), shard));
                }
            }
        }

        ranges.Sort((a, b) => a.Range.Start != b.Range.Start ? a.Range.Start.CompareTo(b.Range.Start) : a.Shard.CompareTo(b.Shard));
        var reported = 0;
        var coveredUpTo = -1;
        var lastOwner = -1;
        foreach (var (range, shard) in ranges)
        {
            if (reported >= MaxReported)
            {
                break;
            }

            if (range.Start > coveredUpTo + 1)
            {
                problems.Add($"{Describe(new CellRange(coveredUpTo + 1, range.Start - 1))} {(range.Start - coveredUpTo - 1 == 1 ? "is" : "are")} owned by no {noun}");
                reported++;
            }
            else if (range.Start <= coveredUpTo)
            {
                var twice = new CellRange(range.Start, Math.Min(range.End, coveredUpTo));
                problems.Add($"{Describe(twice)} {(twice.Count == 1 ? "is" : "are")} owned by both {noun} {lastOwner} and {noun} {shard}");
                reported++;
            }

            if (range.End > coveredUpTo)
            {
                coveredUpTo = range.End;
                lastOwner = shard;
            }
        }

        if (coveredUpTo < slots - 1 && reported < MaxReported)
        {
            var gap = new CellRange(coveredUpTo + 1, slots - 1);
            problems.Add($"{Describe(gap)} {(gap.Count == 1 ? "is" : "are")} owned by no {noun}");
        }
    }

    public static string Describe(CellRange range) => range.Count == 1
        ? string.Create(CultureInfo.InvariantCulture, $"cell {range.Start}")
        : string.Create(CultureInfo.InvariantCulture, $"cells {range.Start}-{range.End}");

    public static string Describe(CellSet cells) => cells.Count == 1 ? $"cell {cells}" : $"cells {cells}";
}
