using System.Diagnostics;
using RagOperator.Api.V1Alpha1;
using RagOperator.Workload;

namespace RagOperator.Soak;

/// <summary>What one soak run found: the invariant report, the kills as they landed, and why it failed (null when it held).</summary>
public sealed record SoakResult(
    SoakPlan Plan, InvariantReport? Report, IReadOnlyList<string> Notes, string? Failure, TimeSpan Elapsed,
    IReadOnlyList<(KillPlan Plan, MigrationPhase? Seen)> Kills, int ApiConflicts)
{
    public bool Passed => Failure is null;
}

/// <summary>
/// One randomized migration, as the acceptance test runs it: load, then concurrent writers (inserts, updates, deletes
/// and hot ids written again and again) and searchers through two routers while the shard count changes, shards failing
/// a share of requests, the API server answering a share of the operator's writes with conflicts, and the operator
/// killed at the plan's points; then every point is read from the shards and judged.
/// </summary>
public static class SoakRun
{
    public static readonly TimeSpan MigrationTimeout = TimeSpan.FromSeconds(120);

    public static async Task<SoakResult> RunAsync(SoakPlan plan, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        await using var scenario = await MigrationScenario.StartAsync($"soak-{plan.Seed}", plan.From, plan.Seed, log, plan.MaxPointsPerSecond, hotIds: plan.HotIds, api: plan.Api);
        string? failure = null;
        InvariantReport? report = null;
        try
        {
            await scenario.LoadAsync(plan.Points);
            var before = await scenario.PublishedAsync();
            scenario.InjectFaults(plan.FaultRate);
            scenario.InjectApiConflicts(plan.ApiConflictRate);
            scenario.StartWorkload();
            await scenario.ScaleAsync(plan.To);
            await scenario.KillAndRestartAsync(plan.Kills, plan.To);
            var migration = await scenario.WaitForDoneAsync(plan.To, MigrationTimeout);
            await scenario.StopWorkloadAsync();
            scenario.InjectFaults(0);
            scenario.InjectApiConflicts(0);

            var final = await scenario.PublishedAsync();
            report = await scenario.CheckAsync(final);
            var copyBound = scenario.CopyBound(before, migration);
            failure = !final.IsStable ? $"the final routing table v{final.Version} is not stable"
                : final.Shards.Length != plan.To ? $"the final routing table has {final.Shards.Length} shards, not {plan.To}"
                : !report.Holds ? $"an invariant broke: {Flatten(report)}"
                : report.PointsStored == 0 ? "no point was stored"
                : scenario.Driver.Stats.Searches == 0 ? "no search ran"
                : scenario.CopierUpserts > copyBound ? $"the copier wrote {scenario.CopierUpserts} points, more than the bound {copyBound} (checkpoints not honoured)"
                : null;
        }
        catch (Exception e)
        {
            // Whatever went wrong, this run failed and says why; the other runs of the soak go on.
            failure = $"{e.GetType().Name}: {e.Message}";
        }

        if (failure is not null) failure += $" ({scenario.Describe()})";
        return new SoakResult(plan, report, [.. scenario.Notes], failure, clock.Elapsed, [.. scenario.KillLog], scenario.Sandbox.ApiServer.Faults.InjectedCount);
    }

    private static string Flatten(InvariantReport report) => report.ToString().Replace('\n', ';');
}
