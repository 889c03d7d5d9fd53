using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RagOperator.Routing;

/// <summary>
/// An immutable set of cells kept as sorted, merged (non-overlapping, non-adjacent) inclusive ranges. Its text
/// form is the one used in routing tables and status: "0-511,1024-1100,2000" (the empty set is "").
/// </summary>
public sealed class CellSet : IEquatable<CellSet>
{
    private readonly ImmutableArray<CellRange> ranges;

    private CellSet(ImmutableArray<CellRange> normalized)
    {
        ranges = normalized;
        Count = normalized.Sum(r => (long)r.Count);
    }

    public static CellSet Empty { get; } = new(ImmutableArray<CellRange>.Empty);

    /// <summary>The sorted, merged ranges.</summary>
    public ImmutableArray<CellRange> Ranges => ranges;

    public long Count { get; }

    public bool IsEmpty => ranges.Length == 0;

    /// <summary>The smallest cell; throws on the empty set.</summary>
    public int Min => IsEmpty ? throw new InvalidOperationException("the cell set is empty") : ranges[0].Start;

    /// <summary>The largest cell; throws on the empty set.</summary>
    public int Max => IsEmpty ? throw new InvalidOperationException("the cell set is empty") : ranges[^1].End;

    public static CellSet FromRange(int start, int end) => new([new CellRange(start, end)]);

    public static CellSet FromRanges(IEnumerable<CellRange> ranges) => new(Normalize(ranges));

    public static CellSet FromCells(IEnumerable<int> cells) => new(Normalize(cells.Select(CellRange.Single)));

    /// <summary>Parses "0-511,1024-1100,2000"; overlapping or unsorted ranges are merged.</summary>
    public static CellSet Parse(string? text) =>
        TryParse(text, out var set, out var error) ? set : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out CellSet? set, [NotNullWhen(false)] out string? error)
    {
        set = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            set = Empty;
            error = null;
            return true;
        }

        var parsed = new List<CellRange>();
        foreach (var rawPart in text.Split(','))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                error = $"cell list '{text}' has an empty entry";
                return false;
            }

            var dash = part.IndexOf('-', 1);
            var startText = dash < 0 ? part : part[..dash].Trim();
            var endText = dash < 0 ? part : part[(dash + 1)..].Trim();
            if (!TryParseCell(startText, out var start) || !TryParseCell(endText, out var end))
            {
                error = $"cell list '{text}': '{part}' is not a cell or a range of cells such as 5 or 0-511 (cells are integers from 0)";
                return false;
            }

            if (end < start)
            {
                error = $"cell list '{text}': range '{part}' ends before it starts";
                return false;
            }

            parsed.Add(new CellRange(start, end));
        }

        set = new CellSet(Normalize(parsed));
        error = null;
        return true;
    }

    public bool Contains(int cell)
    {
        var lo = 0;
        var hi = ranges.Length - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var range = ranges[mid];
            if (cell < range.Start)
            {
                hi = mid - 1;
            }
            else if (cell > range.End)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every cell of <paramref name="other"/> is in this set.</summary>
    public bool ContainsAll(CellSet other) => other.Except(this).IsEmpty;

    public bool Overlaps(CellSet other) => !Intersect(other).IsEmpty;

    public CellSet Union(CellSet other) =>
        other.IsEmpty ? this : IsEmpty ? other : new CellSet(Normalize(ranges.Concat(other.ranges)));

    public CellSet Intersect(CellSet other)
    {
        var result = ImmutableArray.CreateBuilder<CellRange>();
        int i = 0, j = 0;
        while (i < ranges.Length && j < other.ranges.Length)
        {
            var a = ranges[i];
            var b = other.ranges[j];
            var start = Math.Max(a.Start, b.Start);
            var end = Math.Min(a.End, b.End);
            if (start <= end)
            {
                result.Add(new CellRange(start, end));
            }

            // Advance whichever range finishes first; the other may still overlap the next one.
            if (a.End < b.End)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return new CellSet(result.ToImmutable());
    }

    public CellSet Except(CellSet other)
    {
        if (IsEmpty || other.IsEmpty)
        {
            return this;
        }

        var result = ImmutableArray.CreateBuilder<CellRange>();
        var j = 0;
        foreach (var range in ranges)
        {
            var start = range.Start;
            while (j < other.ranges.Length && other.ranges[j].End < start)
            {
                j++;
            }

            var k = j;
            while (k < other.ranges.Length && other.ranges[k].Start <= range.End)
            {
                var cut = other.ranges[k];
                if (cut.Start > start)
                {
                    result.Add(new CellRange(start, cut.Start - 1));
                }

                start = Math.Max(start, cut.End + 1);
                if (start > range.End)
                {
                    break;
                }

                k++;
            }

            if (start <= range.End)
            {
                result.Add(new CellRange(start, range.End));
            }
        }

        return new CellSet(result.ToImmutable());
    }

    /// <summary>
    /// Splits off the <paramref name="count"/> highest cells. The planner takes moved cells from the end of a
    /// donor's ranges so that both the moved and the kept cells stay in as few ranges as possible.
    /// </summary>
    public (CellSet Taken, CellSet Remaining) TakeLast(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"cannot take {count} cells from a set of {Count}");
        }

        var taken = new List<CellRange>();
        var kept = ranges.ToList();
        var left = count;
        while (left > 0)
        {
            var last = kept[^1];
            kept.RemoveAt(kept.Count - 1);
            if (last.Count <= left)
            {
                taken.Add(last);
                left -= last.Count;
            }
            else
            {
                var split = (int)(last.End - left + 1);
                taken.Add(new CellRange(split, last.End));
                kept.Add(new CellRange(last.Start, split - 1));
                left = 0;
            }
        }

        return (FromRanges(taken), FromRanges(kept));
    }

    /// <summary>Every cell in ascending order.</summary>
    public IEnumerable<int> Cells()
    {
        foreach (var range in ranges)
        {
            for (var cell = range.Start; cell <= range.End; cell++)
            {
                yield return cell;
            }
        }
    }

    public bool Equals(CellSet? other) => other is not null && ranges.SequenceEqual(other.ranges);

    public override bool Equals(object? obj) => Equals(obj as CellSet);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var range in ranges)
        {
            hash.Add(range);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(",", ranges.Select(r => r.ToString()));

    private static bool TryParseCell(string text, out int cell) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out cell);

    private static ImmutableArray<CellRange> Normalize(IEnumerable<CellRange> input)
    {
        var sorted = input.OrderBy(r => r.Start).ToList();
        var result = ImmutableArray.CreateBuilder<CellRange>(sorted.Count);
        foreach (var range in sorted)
        {
            // Merge overlapping and adjacent ranges (long arithmetic: End can be int.MaxValue).
            if (result.Count > 0 && range.Start <= (long)result[^1].End + 1)
            {
                var last = result[^1];
                result[^1] = new CellRange(last.Start, Math.Max(last.End, range.End));
            }
            else
            {
                result.Add(range);
            }
        }

        return result.ToImmutable();
    }
}
