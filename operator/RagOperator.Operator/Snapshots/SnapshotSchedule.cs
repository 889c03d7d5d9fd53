using System.Globalization;

namespace RagOperator.Operator.Snapshots;

/// <summary>A scheduled VectorSnapshot as the planner sees it.</summary>
public sealed record ScheduledSnapshot(string Name, DateTimeOffset ScheduledAt, string? Phase);

/// <summary>What the scheduler does now: create one snapshot (or skip the run), delete expired ones, and when to look again.</summary>
public sealed record SchedulePlan(
    DateTimeOffset? CreateFor,
    IReadOnlyList<string> Delete,
    DateTimeOffset? LastScheduleTime,
    DateTimeOffset? NextScheduleTime,
    string? Skipped,
    int Retained);

/// <summary>
/// The snapshot schedule of a collection, as a pure function of the time, the cron expression and the scheduled
/// snapshots that exist (like a CronJob with <c>concurrencyPolicy: Forbid</c>):
/// <list type="bullet">
/// <item>The run due is the latest cron time after the last scheduled one (or the collection's creation) and at or
/// before now; runs missed before it (operator down) are not caught up one by one, and nothing further back than
/// <see cref="CatchUpWindow"/> is considered.</item>
/// <item>A run due while an earlier scheduled snapshot is still running is skipped (counted as scheduled).</item>
/// <item>Retention: the newest <c>retain</c> completed snapshots are kept and older completed ones deleted; a failed
/// one is deleted once a newer one completed (the newest failure stays visible until then); running ones are
/// never deleted.</item>
/// </list>
/// </summary>
public static class SnapshotSchedule
{
    public const string ScheduleLabel = "ragoperator.io/snapshot-schedule";
    public const string ScheduledAtAnnotation = "ragoperator.io/scheduled-at";

    /// <summary>How far back a missed run is still taken (bounds the search when the operator was down for long).</summary>
    public static readonly TimeSpan CatchUpWindow = TimeSpan.FromDays(31);

    public static SchedulePlan Plan(
        CronExpression cron, DateTimeOffset now, DateTimeOffset? lastScheduleTime, DateTimeOffset createdAt, int retain, bool suspend,
        IReadOnlyList<ScheduledSnapshot> existing)
    {
        DateTimeOffset? createFor = null;
        string? skipped = null;
        var last = lastScheduleTime;
        if (!suspend)
        {
            var from = lastScheduleTime ?? createdAt;
            if (from < now - CatchUpWindow) from = now - CatchUpWindow;
            if (cron.LastBetween(from, now) is { } due && existing.All(s => s.ScheduledAt != due))
            {
                last = due;
                var running = existing.Where(s => !SnapshotPhases.IsTerminal(s.Phase)).Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
                if (running.Count > 0) skipped = $"the run of {due:yyyy-MM-dd HH:mm} UTC was skipped: scheduled snapshot {running[0]} is still running";
                else createFor = due;
            }
        }

        var completed = existing.Where(s => s.Phase == SnapshotPhases.Completed).OrderByDescending(s => s.ScheduledAt).ToList();
        var delete = completed.Skip(retain).Select(s => s.Name).ToList();
        var newestCompleted = completed.Count > 0 ? completed[0].ScheduledAt : (DateTimeOffset?)null;
        delete.AddRange(existing.Where(s => s.Phase == SnapshotPhases.Failed && newestCompleted > s.ScheduledAt).Select(s => s.Name));
        var next = suspend ? null : cron.Next(last is { } l && l > now ? l : now);
        return new SchedulePlan(createFor, [.. delete.Order(StringComparer.Ordinal)], last, next, skipped, Math.Min(retain, completed.Count));
    }

    /// <summary>The name of the snapshot of <paramref name="collection"/> scheduled at <paramref name="time"/> (UTC minute).</summary>
    public static string SnapshotName(string collection, DateTimeOffset time) =>
        $"{collection}-{time.UtcDateTime.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture)}";
}
