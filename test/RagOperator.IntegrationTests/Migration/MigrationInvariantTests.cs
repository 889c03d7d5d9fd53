using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Routing;
using RagOperator.Workload;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.Migration;

/// <summary>
/// The acceptance tests of the stream migration (DESIGN.md §5): concurrent writers and searchers through two routers
/// while the shard count changes, shards failing 5 % of requests, the operator killed and restarted at random
/// points; afterwards no acknowledged write is lost, no deleted point is back, every point is on exactly one shard
/// (its owner in the final table), no search failed, and the copier did not recopy what it had checkpointed.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class MigrationInvariantTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromSeconds(90);

    public static TheoryData<int, int, int> Seeds => new()
    {
        // seed, from shards, to shards
        { 1, 2, 3 },
        { 2, 3, 2 },
        { 3, 2, 4 },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task A_shard_count_change_under_load_faults_and_operator_kills_keeps_every_invariant(int seed, int from, int to)
    {
        var random = new Random(seed);
        // Odd seeds write and search through Qdrant's gRPC API, even ones through the router's JSON API.
        await using var scenario = await MigrationScenario.StartAsync(
            $"rand-{seed}", from, seed, output.WriteLine, maxPointsPerSecond: 400, api: seed % 2 == 1 ? RouterApi.QdrantGrpc : RouterApi.V1Json);
        await scenario.LoadAsync(2000);
        var before = await scenario.PublishedAsync();
        scenario.InjectFaults(0.05);
        scenario.StartWorkload();

        await scenario.ScaleAsync(to);
        await scenario.KillAndRestartAsync(random, kills: 2 + random.Next(2), to);
        var migration = await scenario.WaitForDoneAsync(to, MigrationTimeout);
        await scenario.StopWorkloadAsync();
        scenario.InjectFaults(0);

        var final = await scenario.PublishedAsync();
        var report = await scenario.CheckAsync(final);
        output.WriteLine(report.ToString());
        output.WriteLine(scenario.Describe());
        final.IsStable.Should().BeTrue();
        final.Shards.Should().HaveCount(to);
        report.Holds.Should().BeTrue($"the invariants must hold: {report}; {scenario.Describe()}");
        report.PointsStored.Should().BeGreaterThan(1000);
        scenario.Driver.Stats.Searches.Should().BeGreaterThan(0);

        // Checkpoints honoured: a restart resumes at the last checkpoint, so at most one batch per restart is read again.
        scenario.CopierUpserts.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(scenario.CopyBound(before, migration), scenario.Describe());
    }

    [Fact]
    public async Task Scaling_out_from_two_to_three_to_four_shards_under_load_converges_each_time()
    {
        await using var scenario = await MigrationScenario.StartAsync("out", 2, seed: 11, output.WriteLine);
        await scenario.LoadAsync(1200);
        scenario.InjectFaults(0.05);
        scenario.StartWorkload();

        foreach (var shards in new[] { 3, 4 })
        {
            await scenario.ScaleAsync(shards);
            var migration = await scenario.WaitForDoneAsync(shards, MigrationTimeout);
            migration.FromShards.Should().Be(shards - 1);
            var table = await scenario.PublishedAsync();
            table.Shards.Should().HaveCount(shards);
            MovedFraction(migration, table).Should().BeApproximately(1.0 / shards, 0.01, "N -> N+1 moves about 1/(N+1) of the cells");
        }

        await scenario.StopWorkloadAsync();
        scenario.InjectFaults(0);
        var report = await scenario.CheckAsync(await scenario.PublishedAsync());
        output.WriteLine(report.ToString());
        report.Holds.Should().BeTrue($"{report}; {scenario.Describe()}");
    }

    [Fact]
    public async Task Scaling_in_from_four_to_two_shards_under_load_drains_and_removes_the_two_shards()
    {
        await using var scenario = await MigrationScenario.StartAsync("in", 4, seed: 12, output.WriteLine);
        await scenario.LoadAsync(1200);
        scenario.InjectFaults(0.05);
        scenario.StartWorkload();

        await scenario.ScaleAsync(2);
        var migration = await scenario.WaitForDoneAsync(2, MigrationTimeout);
        await scenario.StopWorkloadAsync();
        scenario.InjectFaults(0);

        migration.Moves.Should().OnlyContain(m => m.From >= 2 && m.To < 2, "only the removed shards give cells away");
        var table = await scenario.PublishedAsync();
        table.Shards.Select(s => s.Id).Should().Equal(0, 1);
        await RagOperator.Sandbox.Sandbox.WaitForAsync(
            _ => Task.FromResult<object?>(scenario.Sandbox.Shard(scenario.Name, 2) is null && scenario.Sandbox.Shard(scenario.Name, 3) is null ? new object() : null),
            TimeSpan.FromSeconds(10), "the drained shards' StatefulSets to be gone");
        var report = await scenario.CheckAsync(table);
        output.WriteLine(report.ToString());
        report.Holds.Should().BeTrue($"{report}; {scenario.Describe()}");
        var collection = await scenario.GetAsync();
        collection.Status!.Conditions.Should().Contain(c => c.Type == "Rebalancing" && c.Status == "False" && c.Reason == "MigrationDone");
    }

    private static double MovedFraction(MigrationStatus migration, RoutingTable table) =>
        (double)(migration.Moves ?? []).Sum(m => CellSet.Parse(m.Cells).Count) / table.CellCount;
}

[CollectionDefinition(Name)]
public sealed class MigrationCollection
{
    /// <summary>The migration scenarios run one after another: each is a whole product under load.</summary>
    public const string Name = "migration";
}
