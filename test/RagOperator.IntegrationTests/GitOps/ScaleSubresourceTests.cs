using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.IntegrationTests.Migration;
using RagOperator.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.GitOps;

/// <summary>
/// An autoscaler drives the shard count through the scale subresource; here the real <c>kubectl scale</c> plays it,
/// against the in-process API server, while writers and searchers go through the routers.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class ScaleSubresourceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_scale_writes_in_quick_succession_run_one_migration_at_a_time_and_end_at_the_last_count()
    {
        await using var scenario = await MigrationScenario.StartAsync("hpa", 2, seed: 41, output.WriteLine);
        await scenario.LoadAsync(800);
        scenario.StartWorkload();

        Kubectl(scenario, "scale", $"vectorcollection/{scenario.Name}", "--replicas", "3");
        // The second write lands while the first migration runs (two writes before the operator reacts would simply
        // plan one 2 -> 4 migration).
        var running = await scenario.Sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Migration is { ToShards: 3 } m && !RagOperator.Operator.Migration.StreamMigrationStep.IsTerminal(m.Phase),
            "the migration to 3 shards to start", MigrationTimeout);
        Kubectl(scenario, "scale", $"vectorcollection/{scenario.Name}", "--replicas", "4");

        var migrations = new List<MigrationStatus> { running.Status!.Migration! };
        var last = await RagOperator.Sandbox.Sandbox.WaitForAsync(async _ =>
        {
            var collection = await scenario.GetAsync();
            if (collection.Status?.Migration is { } migration && migrations.LastOrDefault()?.Id != migration.Id) migrations.Add(migration);
            return collection.Status?.Migration is { Phase: MigrationPhase.Done, ToShards: 4 } && collection.Status.CurrentShards == 4 ? collection : null;
        }, MigrationTimeout, "the collection to end at 4 shards");
        await scenario.StopWorkloadAsync();

        output.WriteLine(string.Join("; ", migrations.Select(m => $"{m.Id} {m.FromShards}->{m.ToShards}")));
        last.Spec.Shards.Should().Be(4, "the last write wins");
        migrations.Select(m => (m.FromShards, m.ToShards)).Should().Equal([(2, 3), (3, 4)],
            "the write during the first migration waits for it, and the next migration starts where it ended");
        var scale = Kubectl(scenario, "get", $"vectorcollection/{scenario.Name}", "--subresource", "scale", "-o", "jsonpath={.spec.replicas} {.status.replicas} {.status.selector}");
        scale.StandardOutput.Should().Be($"4 4 app.kubernetes.io/instance={scenario.Name},app.kubernetes.io/component=shard");
        var report = await scenario.CheckAsync(await scenario.PublishedAsync());
        output.WriteLine(report.ToString());
        report.Holds.Should().BeTrue($"{report}; {scenario.Describe()}");
    }

    [Fact]
    public async Task A_scale_sooner_than_the_min_interval_after_a_migration_waits_and_says_until_when()
    {
        await using var scenario = await MigrationScenario.StartAsync("gap", 2, seed: 42, output.WriteLine);
        await scenario.Sandbox.ApplyAsync(scenario.Collection(2, spec => spec.Rebalance.MinInterval = "4s"));
        await scenario.LoadAsync(400);

        Kubectl(scenario, "scale", $"vectorcollection/{scenario.Name}", "--replicas", "3");
        var first = await scenario.WaitForDoneAsync(3, MigrationTimeout);
        Kubectl(scenario, "scale", $"vectorcollection/{scenario.Name}", "--replicas", "4");

        var waiting = await scenario.Sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Conditions?.Any(x => x.Type == "Rebalancing" && x.Reason == "MinIntervalNotElapsed") == true,
            "the second migration to wait for rebalance.minInterval", MigrationTimeout);
        waiting.Status!.Conditions!.Single(c => c.Type == "Rebalancing").Message.Should().Contain("rebalance.minInterval (4s)").And.Contain("spec.shards is 4");
        var second = await scenario.WaitForDoneAsync(4, MigrationTimeout);

        second.StartedAt.Should().BeOnOrAfter(first.CompletedAt!.Value.AddSeconds(4));
    }

    private static ToolResult Kubectl(MigrationScenario scenario, params string[] arguments) =>
        Tool.Kubectl(["--server", scenario.Sandbox.ApiServer.BaseUri.ToString(), "--namespace", scenario.Sandbox.Namespace, .. arguments]).EnsureSuccess();
}
