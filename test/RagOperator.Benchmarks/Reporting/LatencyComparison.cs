using RagOperator.Workload;

namespace RagOperator.Benchmarks.Reporting;

/// <summary>Two latency series measured side by side (A against B): their p50/p99 ratio headlines and table rows.</summary>
public sealed record LatencyComparison(string AName, LatencySummary A, string BName, LatencySummary B)
{
    public static LatencyComparison Of(string aName, IReadOnlyList<double> a, string bName, IReadOnlyList<double> b) =>
        new(aName, LatencySummary.Of(a), bName, LatencySummary.Of(b));

    /// <summary>The p50 and p99 ratios A / B; <paramref name="key"/> names each from its percentile ("p50", "p99").</summary>
    public IReadOnlyList<Headline> Headlines(Func<string, string> key) =>
    [
        new(key("p50"), Format.Ratio(A.P50 / B.P50), $"{AName} {Format.Ms(A.P50)} vs {BName} {Format.Ms(B.P50)} (p50)"),
        new(key("p99"), Format.Ratio(A.P99 / B.P99), $"{AName} {Format.Ms(A.P99)} vs {BName} {Format.Ms(B.P99)} (p99)"),
    ];

    public static IReadOnlyList<string> Columns(string first) => [first, "p50", "p99", "max", "queries"];

    /// <summary>A's row, B's row and the A / B row, each labelled as given.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows(string aLabel, string bLabel) =>
    [
        [aLabel, Format.Ms(A.P50), Format.Ms(A.P99), Format.Ms(A.Max), Format.Number(A.Count)],
        [bLabel, Format.Ms(B.P50), Format.Ms(B.P99), Format.Ms(B.Max), Format.Number(B.Count)],
        [$"{AName} / {BName}", Format.Ratio(A.P50 / B.P50), Format.Ratio(A.P99 / B.P99), Format.Ratio(A.Max / B.Max), ""],
    ];
}
