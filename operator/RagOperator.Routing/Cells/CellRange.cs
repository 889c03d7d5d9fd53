using System.Globalization;

namespace RagOperator.Routing;

/// <summary>An inclusive range of cells, <c>Start..End</c>; written "5-9", or "5" when it holds one cell.</summary>
public readonly record struct CellRange
{
    public CellRange(int start, int end)
    {
        if (start < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "a cell range cannot start below 0");
        }

        if (end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"a cell range cannot end ({end}) before it starts ({start})");
        }

        Start = start;
        End = end;
    }

    public int Start { get; }

    public int End { get; }

    public int Count => End - Start + 1;

    public static CellRange Single(int cell) => new(cell, cell);

    public bool Contains(int cell) => cell >= Start && cell <= End;

    public override string ToString() => Start == End
        ? Start.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Start}-{End}");
}
