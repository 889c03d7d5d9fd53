using System.Globalization;

namespace RagOperator.Demo.Output;

/// <summary>What the demo shows of a running migration at one moment, read from status, the routers and the workload.</summary>
public sealed record MigrationSnapshot
{
    /// <summary>status.migration.phase, or "Pending" before the operator has recorded the migration.</summary>
    public required string Phase { get; init; }
    public long PointsCopied { get; init; }
    public long PointsEstimated { get; init; }
    public double PointsPerSecond { get; init; }
    /// <summary>The newest routing version the operator published (the routing ConfigMap's document).</summary>
    public long PublishedVersion { get; init; }
    /// <summary>The read/write rule of the published table's migration; null for a stable table.</summary>
    public string? Rule { get; init; }
    /// <summary>The version each router reports as served (<c>GET /v1/routing</c>).</summary>
    public IReadOnlyList<long> RouterVersions { get; init; } = [];
    public long WriteRequests { get; init; }
    public long FailedWriteRequests { get; init; }
    public long Searches { get; init; }
    public long FailedSearches { get; init; }
    public TimeSpan Elapsed { get; init; }

    /// <summary>Routers serving at least the published version.</summary>
    public int RoutersAcknowledged => RouterVersions.Count(v => v >= PublishedVersion);

    public string RoutingText => string.Create(CultureInfo.InvariantCulture,
        $"routing v{PublishedVersion} ({Rule ?? "stable"}) published, acknowledged by {RoutersAcknowledged}/{RouterVersions.Count} routers ({string.Join(",", RouterVersions.Select(v => "v" + v))})");

    public string WorkloadText => string.Create(CultureInfo.InvariantCulture,
        $"writes {WriteRequests:N0} ({FailedWriteRequests:N0} failed), searches {Searches:N0} ({FailedSearches:N0} failed)");

    public string CopyText => string.Create(CultureInfo.InvariantCulture,
        $"{PointsCopied:N0} / {PointsEstimated:N0} points copied{(PointsPerSecond > 0 ? $" ({PointsPerSecond:N0}/s)" : "")}");
}
