using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Qdrant;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.DayTwo;

/// <summary>
/// Issue 9, replicas: raising spec.replicas grows every shard's StatefulSet and places a replica of the shard's data
/// on each new Qdrant peer; lowering it drops the replicas of the pods that go, removes their peers, and only then
/// shrinks the StatefulSet — all while writers and searchers go through the routers.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class ReplicaScalingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Replicas_one_to_three_to_two_under_load_lose_no_write_fail_no_search_and_end_active_and_grow_again_on_fresh_peers()
    {
        await using var scenario = await MigrationScenario.StartAsync("rep", 2, seed: 21, output.WriteLine);
        await scenario.LoadAsync(600);
        scenario.StartWorkload();

        // Shard 0's transfers are slow and the first one fails: Qdrant leaves that replica Dead and recovers it itself.
        var cluster = scenario.Sandbox.Shard(scenario.Name, 0)!.Cluster;
        cluster.TransferDuration = TimeSpan.FromSeconds(1);
        cluster.FailNextTransfers(1);
        using var watching = new CancellationTokenSource();
        var inactiveSeen = WatchInactiveReplicasAsync(scenario, watching.Token);

        await ScaleReplicasAsync(scenario, 3);
        await watching.CancelAsync();
        var seen = await inactiveSeen;
        seen.Should().Contain(r => r.StartsWith("rep-shard-0-", StringComparison.Ordinal) && r.EndsWith("=Partial", StringComparison.Ordinal),
            "a replica being filled is reported in status");
        seen.Should().NotContain(r => r.StartsWith("Degraded: ", StringComparison.Ordinal), "pods the operator is adding are progress, not degradation");
        cluster.TransfersFailed.Should().Be(1);
        await AssertReplicatedAsync(scenario, replicas: 3, writeConsistency: 2);

        await ScaleReplicasAsync(scenario, 2);
        await AssertReplicatedAsync(scenario, replicas: 2, writeConsistency: 1);

        await scenario.StopWorkloadAsync();
        var report = await scenario.CheckAsync(await scenario.PublishedAsync());
        output.WriteLine(report.ToString());
        output.WriteLine(scenario.Describe());
        report.Holds.Should().BeTrue($"{report}; {scenario.Describe()}");
        scenario.Driver.Stats.Searches.Should().BeGreaterThan(0);
        scenario.Driver.Stats.FailedWriteRequests.Should().Be(0, scenario.Describe());
        report.PointsStored.Should().BeGreaterThan(500);

        // Growing again: the removed peer's volume is deleted first, so pod 2 joins as a new peer with a fresh volume.
        var claim = $"qdrant-storage-{ChildNames.ShardPod(scenario.Name, 0, 2)}";
        var oldClaim = await scenario.Sandbox.Client.GetAsync<PersistentVolumeClaim>(claim, scenario.Sandbox.Namespace);
        var oldPeers = scenario.Sandbox.Shard(scenario.Name, 0)!.Cluster.PeerIds;
        await ScaleReplicasAsync(scenario, 3);
        await AssertReplicatedAsync(scenario, replicas: 3, writeConsistency: 2);
        (await scenario.Sandbox.Client.GetAsync<PersistentVolumeClaim>(claim, scenario.Sandbox.Namespace)).Metadata.Uid
            .Should().NotBe(oldClaim.Metadata.Uid, "the volume of the removed peer was replaced");
        scenario.Sandbox.Shard(scenario.Name, 0)!.Cluster.PeerIds.Except(oldPeers).Should().ContainSingle("pod 2 joined as a new peer");
    }

    /// <summary>
    /// Every not-Active replica status.shards[].inactiveReplicas names until cancelled, and (prefixed "Degraded: ") every
    /// Degraded message that blames a shard's pods: pods the operator adds or drops are progress (phase Updating), so
    /// none may appear.
    /// </summary>
    private static async Task<HashSet<string>> WatchInactiveReplicasAsync(MigrationScenario scenario, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var collection = await scenario.GetAsync();
            foreach (var replica in collection.Status?.Shards?.SelectMany(s => s.InactiveReplicas ?? []) ?? []) seen.Add(replica);
            if (collection.Status?.Conditions?.FirstOrDefault(c => c.Type == "Degraded" && c.Status == "True") is { } degraded
                && degraded.Message.Contains("Qdrant pods ready", StringComparison.Ordinal))
            {
                seen.Add($"Degraded: {degraded.Message}");
            }

            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return seen;
    }

    private static async Task ScaleReplicasAsync(MigrationScenario scenario, int replicas)
    {
        var collection = scenario.Collection(2);
        collection.Spec.Replicas = replicas;
        await scenario.Sandbox.ApplyAsync(collection);
        await scenario.Sandbox.WaitForCollectionAsync(scenario.Name, c =>
                c.Status?.ObservedGeneration == c.Metadata.Generation
                && c.Status!.Shards is { Count: 2 } shards
                && shards.All(s => s.ActiveReplicas == replicas && s.TotalReplicas == replicas && s.InactiveReplicas is null && s.Ready)
                && c.Status.Conditions!.Any(x => x.Type == "Progressing" && x.Status == "False"),
            $"{replicas} Active replicas on every shard", Timeout);
    }

    private static async Task AssertReplicatedAsync(MigrationScenario scenario, int replicas, uint writeConsistency)
    {
        for (var shard = 0; shard < 2; shard++)
        {
            // The StatefulSet settles at the new size (after a scale-down, only once the peers were removed).
            await RagOperator.Sandbox.Sandbox.WaitForAsync(async _ =>
                    (await ShardPodsProbe.PodsAsync(scenario.Sandbox, scenario.Name, shard)).Count == replicas ? new object() : null,
                Timeout, $"shard {shard} to run {replicas} pods");
            var set = await ShardPodsProbe.SetAsync(scenario.Sandbox, scenario.Name, shard);
            set.Spec.Replicas.Should().Be(replicas);

            var server = scenario.Sandbox.Shard(scenario.Name, shard)!;
            server.Cluster.PeerIds.Should().HaveCount(replicas, "the peers of removed pods left the cluster");
            server.Cluster.Replicas(scenario.Name).Values.Should().HaveCount(replicas).And.OnlyContain(s => s == QdrantReplicaState.Active);
            using var client = await Collections.ClientAsync(scenario.Sandbox, scenario.Name, shard);
            var info = await client.GetCollectionAsync(scenario.Name);
            info.Config.Params.WriteConsistencyFactor.Should().Be(writeConsistency);
            info.Config.Params.ReplicationFactor.Should().Be((uint)replicas);
        }

        var collection = await scenario.GetAsync();
        collection.Spec.Replicas.Should().Be(replicas);
    }
}
