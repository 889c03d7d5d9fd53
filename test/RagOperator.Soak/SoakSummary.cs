using System.Globalization;
using System.Text;
using RagOperator.Api.V1Alpha1;
using RagOperator.Workload;

namespace RagOperator.Soak;

/// <summary>Counts over many soak runs: outcomes, shard changes, where kills landed, and each invariant's total.</summary>
public sealed class SoakSummary(int firstSeed, int runs, string? loadAtStart)
{
    private readonly List<SoakResult> results = [];

    public int Failed => results.Count(r => !r.Passed);

    public void Add(SoakResult result) => results.Add(result);

    public static string ReplayCommand(int seed) => $"make soak SOAK_SEED={seed} SOAK_RUNS=1";

    public static string Line(SoakResult result, int done, int total)
    {
        var kills = string.Join(", ", result.Kills.Select(k => (k.Plan.WhileResuming ? "resuming/" : "") + (k.Seen?.ToString() ?? "none")));
        return string.Create(CultureInfo.InvariantCulture,
            $"[{done}/{total}] seed {result.Plan.Seed}: {(result.Passed ? "PASS" : "FAIL")} {result.Elapsed.TotalSeconds:0.0} s, " +
            $"{result.Plan.From} -> {result.Plan.To} shards, kills [{kills}], {result.ApiConflicts} API conflicts, {result.Plan.Api}, acknowledged {result.Report?.PointsAcknowledged ?? 0}");
    }

    public string Render(TimeSpan elapsed, string? loadAtEnd, string command)
    {
        var text = new StringBuilder();
        var passed = results.Count - Failed;
        text.AppendLine("# Migration soak").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}` (seeds {firstSeed}..{firstSeed + runs - 1}), {elapsed.TotalMinutes:0.0} min.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; load average {loadAtStart ?? "?"} at the start, {loadAtEnd ?? "?"} at the end.");
        text.AppendLine();
        text.AppendLine("| runs | passed | failed |").AppendLine("|---|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| {results.Count} | {passed} | {Failed} |").AppendLine();

        text.AppendLine("| invariant | total over all runs |").AppendLine("|---|---|");
        Row(text, "points_acknowledged (point writes the routers acknowledged)", results.Sum(r => r.Report?.PointsAcknowledged ?? 0));
        Row(text, "lost_writes", results.Sum(r => r.Report?.LostWrites ?? 0));
        Row(text, "resurrected_deletes", results.Sum(r => r.Report?.ResurrectedDeletes ?? 0));
        Row(text, "points_on_wrong_or_multiple_shards", results.Sum(r => r.Report?.PointsOnWrongOrMultipleShards ?? 0));
        Row(text, "unexpected_points", results.Sum(r => r.Report?.UnexpectedPoints ?? 0));
        Row(text, "failed_searches", results.Sum(r => r.Report?.FailedSearches ?? 0));
        Row(text, "runs without a report (timed out or crashed)", results.Count(r => r.Report is null));
        Row(text, "API conflicts injected into the operator's writes", results.Sum(r => (long)r.ApiConflicts));
        Row(text, "runs with shard faults", results.Count(r => r.Plan.FaultRate > 0));
        Row(text, "runs whose clients spoke Qdrant's gRPC API (the others the router's /v1 JSON API)", results.Count(r => r.Plan.Api == RouterApi.QdrantGrpc));
        text.AppendLine();

        var kills = results.SelectMany(r => r.Kills).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"Operator kills: {kills.Count}, of which {kills.Count(k => k.Plan.WhileResuming)} while the previous restart was resuming.").AppendLine();
        text.AppendLine("| phase the migration had recorded when the kill landed | kills |").AppendLine("|---|---|");
        foreach (var group in kills.GroupBy(k => k.Seen).OrderBy(g => g.Key ?? (MigrationPhase)(-1)))
        {
            Row(text, group.Key?.ToString() ?? "(no migration recorded yet)", group.Count());
        }

        text.AppendLine();
        text.AppendLine("| shard change | runs |").AppendLine("|---|---|");
        foreach (var group in results.GroupBy(r => (r.Plan.From, r.Plan.To)).OrderBy(g => g.Key.From).ThenBy(g => g.Key.To))
        {
            Row(text, $"{group.Key.From} -> {group.Key.To}", group.Count());
        }

        var failures = results.Where(r => !r.Passed).ToList();
        if (failures.Count > 0)
        {
            text.AppendLine().AppendLine("Failed runs:").AppendLine();
            foreach (var failure in failures) text.AppendLine(CultureInfo.InvariantCulture, $"- `{ReplayCommand(failure.Plan.Seed)}`: {failure.Failure}");
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, long value) => text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
}
