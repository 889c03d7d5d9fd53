using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using RagOperator.Demo;
using RagOperator.Demo.Measurement;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.Demo;

/// <summary>
/// Runs <c>rag-demo</c>'s entry point end to end with small sizes (the same code path as <c>make demo</c>): the sample
/// manifest, a live 2→3 shard migration under concurrent writes and searches, the oracle check and the summary.
/// </summary>
public sealed partial class DemoRunTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"^points_acknowledged: (\d+)$")]
    private static partial Regex Acknowledged();

    [GeneratedRegex(@"^moved_fraction: (\d\.\d{4}) \(optimal (\d\.\d{4})\)$")]
    private static partial Regex Moved();

    [Fact]
    public async Task Demo_scales_the_sample_under_load_and_ends_with_every_invariant_at_zero()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var exitCode = await DemoProgram.RunAsync(
            ["--points", "1500", "--dimension", "16", "--to-shards", "3", "--writers", "2", "--searchers", "1", "--seed", "7", "--step-timeout-seconds", "150"],
            writer, timeout.Token);

        var text = writer.ToString();
        output.WriteLine(text);
        exitCode.Should().Be(0, text);
        var lines = text.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var last = lines[^6..];
        Acknowledged().IsMatch(last[0]).Should().BeTrue(last[0]);
        long.Parse(Acknowledged().Match(last[0]).Groups[1].Value, CultureInfo.InvariantCulture).Should().BeGreaterThan(1500, "the load alone acknowledges 1500 point writes");
        last[1..5].Should().Equal("lost_writes: 0", "resurrected_deletes: 0", "points_on_wrong_or_multiple_shards: 0", "failed_searches: 0");
        var moved = Moved().Match(last[5]);
        moved.Success.Should().BeTrue(last[5]);
        moved.Groups[2].Value.Should().Be("0.3333");
        double.Parse(moved.Groups[1].Value, CultureInfo.InvariantCulture).Should().BeApproximately(MovedFraction.Optimal(2, 3), 0.08,
            "the planner moves a third of the cells and ~1500 hashed ids follow their cells");
    }

    [Fact]
    public async Task Demo_rejects_a_scale_to_the_same_shard_count_before_starting_anything()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await DemoProgram.RunAsync(["--from-shards", "3", "--to-shards", "3"], writer);

        exitCode.Should().Be(2);
        writer.ToString().Should().Contain("nothing to migrate");
    }
}
