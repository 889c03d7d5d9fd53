using System.Globalization;
using RagOperator.Workload;

namespace RagOperator.Demo.Measurement;

/// <summary>The figures of one demo run, measured as it went.</summary>
public sealed record DemoFigures
{
    public required int FromShards { get; init; }
    public required int ToShards { get; init; }
    public required int Routers { get; init; }
    public required TimeSpan ReadyAfter { get; init; }
    public required long PointsLoaded { get; init; }
    public required TimeSpan LoadDuration { get; init; }
    public required TimeSpan MigrationDuration { get; init; }
    /// <summary>How long the Copying phase lasted, as observed by polling status; null when it was not observed.</summary>
    public TimeSpan? CopyDuration { get; init; }
    public required long PointsCopied { get; init; }
    public required long WriteRequestsDuringMigration { get; init; }
    public required long FailedWriteRequests { get; init; }
    public required LatencySummary LoadSearchLatency { get; init; }
    public required LatencySummary MigrationSearchLatency { get; init; }
    public required long FinalRoutingVersion { get; init; }
    public required TimeSpan Total { get; init; }
}

/// <summary>
/// Formats the end of the demo: a short human summary, then — always last, exactly as the issue asks — the six
/// invariant lines. Diagnostics (unexpected points, examples of violations) go before them, never after.
/// </summary>
public static class DemoSummary
{
    public static IReadOnlyList<string> HumanLines(DemoFigures figures)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            string.Create(c, $"collection Ready after {figures.ReadyAfter.TotalSeconds:0.0} s ({figures.FromShards} shards, {figures.Routers} routers)"),
            string.Create(c, $"loaded {figures.PointsLoaded:N0} points in {figures.LoadDuration.TotalSeconds:0.0} s ({Rate(figures.PointsLoaded, figures.LoadDuration)} points/s through the routers)"),
            string.Create(c, $"search while loading: p50 {Ms(figures.LoadSearchLatency.P50)}, p99 {Ms(figures.LoadSearchLatency.P99)} ({figures.LoadSearchLatency.Count:N0} searches)"),
            string.Create(c, $"migration {figures.FromShards} -> {figures.ToShards} shards: {figures.MigrationDuration.TotalSeconds:0.0} s to Done, routing v{figures.FinalRoutingVersion}; {figures.PointsCopied:N0} points copied{(figures.CopyDuration is { } copy ? $" in {copy.TotalSeconds:0.0} s ({Rate(figures.PointsCopied, copy)} points/s)" : "")}"),
            string.Create(c, $"during the migration: {figures.WriteRequestsDuringMigration:N0} write requests ({figures.FailedWriteRequests:N0} not acknowledged), search p50 {Ms(figures.MigrationSearchLatency.P50)}, p99 {Ms(figures.MigrationSearchLatency.P99)} ({figures.MigrationSearchLatency.Count:N0} searches)"),
            string.Create(c, $"total {figures.Total.TotalSeconds:0.0} s"),
        ];
    }

    /// <summary>Lines that explain a failed check; printed before the final lines.</summary>
    public static IReadOnlyList<string> DiagnosticLines(InvariantReport report)
    {
        var lines = new List<string>();
        if (report.UnexpectedPoints > 0) lines.Add(string.Create(CultureInfo.InvariantCulture, $"unexpected_points: {report.UnexpectedPoints}"));
        lines.AddRange(report.Examples.Select(e => "  " + e));
        return lines;
    }

    /// <summary>The six lines the demo ends with.</summary>
    public static IReadOnlyList<string> FinalLines(InvariantReport report, MovedFraction moved, int fromShards, int toShards)
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            string.Create(c, $"points_acknowledged: {report.PointsAcknowledged}"),
            string.Create(c, $"lost_writes: {report.LostWrites}"),
            string.Create(c, $"resurrected_deletes: {report.ResurrectedDeletes}"),
            string.Create(c, $"points_on_wrong_or_multiple_shards: {report.PointsOnWrongOrMultipleShards}"),
            string.Create(c, $"failed_searches: {report.FailedSearches}"),
            string.Create(c, $"moved_fraction: {moved.Value:0.0000} (optimal {MovedFraction.Optimal(fromShards, toShards):0.0000})"),
        ];
    }

    private static string Rate(long count, TimeSpan duration) =>
        duration > TimeSpan.Zero ? (count / duration.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static string Ms(double value) =>
        double.IsFinite(value) ? value.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "n/a";
}
