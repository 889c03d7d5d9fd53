using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Migration;
using RagOperator.Routing;
using Xunit;
using Xunit.Abstractions;
using SandboxHost = RagOperator.Sandbox.Sandbox;
using MigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.IntegrationTests.Migration;

/// <summary>
/// The acceptance test of semantic sharding: a semantic collection starts on the provisional hash routing, crosses
/// <c>trainAfterPoints</c> under concurrent writers and searchers, is trained and re-partitioned while shards fail 5 %
/// of requests and the operator is killed and restarted; afterwards the migration invariants hold (no acknowledged
/// write lost, no delete resurrected, each point on exactly one shard, no failed search) and every point sits on the
/// shard of its nearest centroid.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class SemanticShardingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Bootstrap_training_and_repartition_under_load_faults_and_operator_kills_keep_every_invariant()
    {
        var random = new Random(21);
        await using var scenario = await MigrationScenario.StartAsync("sem", 2, seed: 21, output.WriteLine, maxPointsPerSecond: 800, configure: spec =>
        {
            spec.Sharding.Strategy = ShardingStrategy.Semantic;
            spec.Sharding.Semantic.CellsPerShard = 4;
            spec.Sharding.Semantic.TrainAfterPoints = 1500;
            spec.Sharding.Semantic.SampleSize = 800;
            spec.Sharding.Semantic.Nprobe = 2;
        });
        await scenario.LoadAsync(1000);
        (await scenario.PublishedAsync()).Strategy.Should().Be(HashCellAssigner.StrategyName, "a semantic collection starts on the provisional hash routing");
        await scenario.Sandbox.WaitForCollectionAsync(scenario.Name, c => c.Status?.Semantic?.State == SemanticSharding.Provisional,
            "status.semantic Provisional", TimeSpan.FromSeconds(40));

        // The workload's inserts carry the collection past trainAfterPoints: training and re-partitioning happen under load.
        scenario.InjectFaults(0.05);
        scenario.StartWorkload();

        // A cancel cannot roll a re-partition back (the sources already carry the new keys): it is refused and said so.
        await scenario.AnnotateAsync(StreamMigrationStep.CancelAnnotation, StreamMigrationStep.CancelValue);
        using var watching = new CancellationTokenSource();
        var refusalSeen = Task.Run(() => WatchForCancelRefusalAsync(scenario, watching.Token));
        await scenario.KillAndRestartAsync(random, kills: 2, toShards: 2);
        var done = await scenario.Sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Migration is { Kind: SemanticSharding.RepartitionKind, Phase: MigrationPhase.Done },
            "the re-partition Done", Timeout);
        await scenario.StopWorkloadAsync();
        scenario.InjectFaults(0);

        var final = await scenario.PublishedAsync();
        var report = await scenario.CheckAsync(final);
        output.WriteLine(report.ToString());
        output.WriteLine(scenario.Describe());
        var migration = done.Status!.Migration!;
        output.WriteLine($"migration {migration.Id}: {migration.Message}");
        final.IsStable.Should().BeTrue();
        var assigner = final.Assigner.Should().BeOfType<SemanticCellAssigner>().Subject;
        assigner.CellCount.Should().Be(8, "2 shards × 4 cells per shard");
        final.Shards.Should().OnlyContain(s => !s.Cells.IsEmpty);
        report.Holds.Should().BeTrue($"the invariants must hold (every point on the shard of its nearest centroid): {report}; {scenario.Describe()}");
        report.PointsStored.Should().BeGreaterThan(1000);
        scenario.Driver.Stats.Searches.Should().BeGreaterThan(0);
        migration.Moves.Should().OnlyContain(m => m.From == m.To && m.State == "Cleaned", "a re-partition's moves are its source shards, all cleaned");
        await watching.CancelAsync();
        (await refusalSeen).Should().BeTrue("the cancel of a re-partition is refused in the Rebalancing condition while it runs, or with its result when it ran within one reconcile");

        var trained = await scenario.Sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Semantic is { State: SemanticSharding.Trained, Generation: 1 }, "status.semantic Trained", TimeSpan.FromSeconds(40));
        trained.Status!.Semantic!.Cells.Should().Be(8);
        trained.Status.Semantic.SamplePoints.Should().BeGreaterThanOrEqualTo(8);
    }

    [Fact]
    public async Task A_trained_collection_scales_out_by_moving_whole_cells_under_load_and_keeps_every_invariant()
    {
        var random = new Random(31);
        await using var scenario = await StartTrainedAsync("semscale", seed: 31, cellsPerShard: 6);
        var trained = await scenario.PublishedAsync();

        scenario.InjectFaults(0.05);
        scenario.StartWorkload();
        await scenario.ScaleAsync(3);
        await scenario.KillAndRestartAsync(random, kills: 2, toShards: 3);
        var migration = await scenario.WaitForDoneAsync(3, Timeout);
        await scenario.StopWorkloadAsync();
        scenario.InjectFaults(0);

        var final = await scenario.PublishedAsync();
        var report = await scenario.CheckAsync(final);
        output.WriteLine(report.ToString());
        output.WriteLine(scenario.Describe());
        output.WriteLine($"migration {migration.Id}: {migration.Message}");
        migration.Kind.Should().NotBe(SemanticSharding.RepartitionKind, "a shard-count change moves whole cells and does not re-train");
        migration.Moves.Should().OnlyContain(m => m.To == 2, "N -> N+1 moves cells to the new shard only");
        final.Assigner.IsEquivalentTo(trained.Assigner).Should().BeTrue("the centroids stay");
        final.Shards.Should().HaveCount(3).And.OnlyContain(s => !s.Cells.IsEmpty);
        report.Holds.Should().BeTrue($"{report}; {scenario.Describe()}");
    }

    [Fact]
    public async Task A_retrain_annotation_repartitions_to_a_new_generation_under_load_and_prunes_the_old_partition()
    {
        await using var scenario = await StartTrainedAsync("semretrain", seed: 41, cellsPerShard: 4);
        var first = (SemanticCellAssigner)(await scenario.PublishedAsync()).Assigner;

        scenario.InjectFaults(0.05);
        scenario.StartWorkload();
        await scenario.AnnotateAsync(SemanticSharding.RetrainAnnotation, "2026-11-21");
        var done = await scenario.Sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Migration is { Kind: SemanticSharding.RepartitionKind, Phase: MigrationPhase.Done, Generation: 2 },
            "the re-partition to generation 2 Done", Timeout);
        await scenario.StopWorkloadAsync();
        scenario.InjectFaults(0);

        var final = await scenario.PublishedAsync();
        var report = await scenario.CheckAsync(final);
        output.WriteLine(report.ToString());
        output.WriteLine($"migration {done.Status!.Migration!.Id}: {done.Status.Migration.Message}");
        final.IsStable.Should().BeTrue();
        var second = final.Assigner.Should().BeOfType<SemanticCellAssigner>().Subject;
        second.Generation.Should().Be(2);
        second.IsEquivalentTo(first).Should().BeFalse("a retrain serves new centroids");
        report.Holds.Should().BeTrue($"every point on the shard of its nearest generation-2 centroid: {report}; {scenario.Describe()}");

        var trained = await scenario.Sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Semantic is { State: SemanticSharding.Trained, Generation: 2 }, "status.semantic Trained at generation 2", TimeSpan.FromSeconds(40));
        trained.Status!.Semantic!.RetrainRequest.Should().Be("2026-11-21", "the request is recorded as acted on, so it does not train again");
        await SandboxHost.WaitForAsync(
            async token => await scenario.Sandbox.Client.TryGetAsync<ConfigMap>(PartitionStore.Name(scenario.Name, 1), scenario.Sandbox.Namespace, token) is null ? "pruned" : null,
            TimeSpan.FromSeconds(40), "the generation-1 partition ConfigMap to be pruned");
        (await scenario.Sandbox.Client.TryGetAsync<ConfigMap>(PartitionStore.Name(scenario.Name, 2), scenario.Sandbox.Namespace))
            .Should().NotBeNull("the serving generation keeps the record of its re-partition");

        await Task.Delay(TimeSpan.FromSeconds(1));
        (await scenario.GetAsync()).Status!.Semantic!.Generation.Should().Be(2, "the same annotation value does not retrain twice");
    }

    /// <summary>A 2-shard semantic collection loaded with 1 200 points and trained (generation 1) before any load or fault.</summary>
    private async Task<MigrationScenario> StartTrainedAsync(string name, int seed, int cellsPerShard)
    {
        var scenario = await MigrationScenario.StartAsync(name, 2, seed, output.WriteLine, maxPointsPerSecond: 800, configure: spec =>
        {
            spec.Sharding.Strategy = ShardingStrategy.Semantic;
            spec.Sharding.Semantic.CellsPerShard = cellsPerShard;
            spec.Sharding.Semantic.TrainAfterPoints = 800;
            spec.Sharding.Semantic.SampleSize = 600;
        });
        try
        {
            await scenario.LoadAsync(1200);
            await scenario.Sandbox.WaitForCollectionAsync(scenario.Name, c => c.Status?.Semantic is { State: SemanticSharding.Trained, Generation: 1 },
                "trained without load", Timeout);
            return scenario;
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Watches the collection while the migration runs and looks at every stored state: the refusal is stated in the
    /// Rebalancing condition on every pass (an Event could be lost with a killed operator's unsent batch, so the
    /// condition is what a user can rely on). A watch sees each status write, which polling can miss when a whole
    /// re-partition takes about a second; the Rebalancing reasons seen are logged for a failure.
    /// </summary>
    private async Task<bool> WatchForCancelRefusalAsync(MigrationScenario scenario, CancellationToken cancellationToken)
    {
        var reasons = new List<string>();
        string? resourceVersion = null;
        try
        {
            // A watch the server ends is resumed from the last version seen, so no write falls between two watches.
            while (true)
            {
                await foreach (var change in scenario.Sandbox.Client.WatchAsync<VectorCollection>(
                                   scenario.Sandbox.Namespace, new WatchOptions { ResourceVersion = resourceVersion }, cancellationToken))
                {
                    if (change.Object is not { } collection || collection.Metadata.Name != scenario.Name) continue;
                    resourceVersion = collection.Metadata.ResourceVersion;
                    var rebalancing = collection.Status?.Conditions?.FirstOrDefault(c => c.Type == "Rebalancing");
                    if (rebalancing is null) continue;
                    if (reasons.Count == 0 || reasons[^1] != rebalancing.Reason) reasons.Add(rebalancing.Reason);
                    if (rebalancing.Reason == MigrationReasons.CancelRefused && rebalancing.Message.Contains("re-partition cannot be cancelled", StringComparison.Ordinal))
                    {
                        output.WriteLine($"Rebalancing reasons seen: {string.Join(" -> ", reasons)} (migration {collection.Status?.Migration?.Phase})");
                        return true;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            output.WriteLine($"Rebalancing reasons seen: {string.Join(" -> ", reasons)}");
            return false;
        }
    }
}
