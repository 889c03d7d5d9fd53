using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class CellSetTests
{
    [Theory]
    [InlineData("0-511,1024-1100,2000", "0-511,1024-1100,2000", 512 + 77 + 1)]
    [InlineData("2000, 1024-1100 ,0-511", "0-511,1024-1100,2000", 590)]
    [InlineData("0-5,3-9,10,12", "0-10,12", 12)]
    [InlineData("", "", 0)]
    [InlineData("7", "7", 1)]
    public void Parse_sorts_and_merges_ranges(string text, string formatted, long count)
    {
        var set = CellSet.Parse(text);

        set.ToString().Should().Be(formatted);
        set.Count.Should().Be(count);
        CellSet.Parse(set.ToString()).Should().Be(set);
    }

    [Theory]
    [InlineData("5-3", "ends before it starts")]
    [InlineData("-1", "is not a cell")]
    [InlineData("a-b", "is not a cell")]
    [InlineData("1,,2", "empty entry")]
    [InlineData("1-2-3", "is not a cell")]
    [InlineData("99999999999", "is not a cell")]
    public void Parse_rejects_malformed_lists(string text, string expected)
    {
        CellSet.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Contain(expected);
    }

    [Fact]
    public void Set_operations_agree_with_sets_of_integers()
    {
        var random = new Random(7);
        for (var round = 0; round < 300; round++)
        {
            var a = RandomCells(random);
            var b = RandomCells(random);
            var setA = CellSet.FromCells(a);
            var setB = CellSet.FromCells(b);

            setA.Union(setB).Cells().Should().Equal(a.Union(b).Order());
            setA.Intersect(setB).Cells().Should().Equal(a.Intersect(b).Order());
            setA.Except(setB).Cells().Should().Equal(a.Except(b).Order());
            setA.Count.Should().Be(a.Count);
            setA.ContainsAll(setB).Should().Be(b.IsSubsetOf(a));
            setA.Overlaps(setB).Should().Be(a.Overlaps(b));
            for (var cell = 0; cell < 130; cell++)
            {
                setA.Contains(cell).Should().Be(a.Contains(cell));
            }

            // Ranges stay normalised: sorted, disjoint and not adjacent.
            foreach (var set in new[] { setA.Union(setB), setA.Except(setB), setA.Intersect(setB) })
            {
                set.Ranges.Zip(set.Ranges.Skip(1)).All(pair => pair.First.End + 1 < pair.Second.Start).Should().BeTrue(set.ToString());
            }
        }
    }

    [Fact]
    public void TakeLast_splits_off_the_highest_cells()
    {
        var set = CellSet.Parse("0-9,20-24,30");

        var (taken, remaining) = set.TakeLast(4);

        taken.ToString().Should().Be("22-24,30");
        remaining.ToString().Should().Be("0-9,20-21");
        set.TakeLast(0).Taken.IsEmpty.Should().BeTrue();
        set.TakeLast(set.Count).Remaining.IsEmpty.Should().BeTrue();
        FluentActions.Invoking(() => set.TakeLast(set.Count + 1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static HashSet<int> RandomCells(Random random)
    {
        var cells = new HashSet<int>();
        var runs = random.Next(0, 6);
        for (var i = 0; i < runs; i++)
        {
            var start = random.Next(0, 120);
            var length = random.Next(1, 15);
            for (var c = start; c < start + length; c++)
            {
                cells.Add(c);
            }
        }

        return cells;
    }
}
