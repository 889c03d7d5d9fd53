using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class ClusterTests
{
    private static async Task<QdrantHarness> StartAsync()
    {
        var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        await harness.Client.UpsertAsync("c", TestVectors.Points(10, 2, seed: 1));
        return harness;
    }

    [Fact]
    public async Task The_cluster_status_lists_this_peer_and_the_peers_that_joined()
    {
        await using var harness = await StartAsync();
        var joined = harness.Server.Cluster.AddPeer("http://shard-0-1.shard-0-headless:6335/");

        var status = await harness.Client.GetClusterStatusAsync();

        status.IsEnabled.Should().BeTrue();
        status.PeerId.Should().Be(harness.Server.Cluster.LocalPeerId);
        status.Peers.Keys.Should().BeEquivalentTo([harness.Server.Cluster.LocalPeerId.ToString(), joined.ToString()]);
        status.Peers[joined.ToString()].Uri.Should().Be("http://shard-0-1.shard-0-headless:6335/");
        status.RaftInfo!.IsVoter.Should().BeTrue();
    }

    [Fact]
    public async Task Replicating_a_shard_shows_a_partial_replica_and_a_transfer_until_it_becomes_active()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.FromSeconds(30);
        var peer = cluster.AddPeer();

        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer, ShardTransferMethod.StreamRecords);
        var during = await harness.Client.GetCollectionClusterInfoAsync("c");

        during.ReplicasOf(0).Should().Equal(new Dictionary<ulong, ReplicaState>
        {
            [cluster.LocalPeerId] = ReplicaState.Active,
            [peer] = ReplicaState.Partial,
        });
        during.ShardTransfers.Should().ContainSingle().Which.Should().Be(new ShardTransferInfo
        {
            ShardId = 0, From = cluster.LocalPeerId, To = peer, Sync = true,
        });
        during.LocalShards.Single().PointsCount.Should().Be(10);

        await harness.Client.AbortTransferAsync("c", 0, cluster.LocalPeerId, peer);
        (await harness.Client.GetCollectionClusterInfoAsync("c")).ReplicasOf(0).Keys.Should().Equal(cluster.LocalPeerId);

        cluster.TransferDuration = TimeSpan.Zero;
        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer);
        var after = await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);
        after.ReplicasOf(0)[peer].Should().Be(ReplicaState.Active);
    }

    [Fact]
    public async Task The_last_active_replica_cannot_be_dropped_and_a_peer_holding_replicas_cannot_be_removed()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.Zero;
        var peer = cluster.AddPeer();
        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer);
        await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);

        var removeHolder = () => harness.Client.RemovePeerAsync(peer);
        (await removeHolder.Should().ThrowAsync<QdrantException>()).Which.QdrantMessage
            .Should().Be($"Bad request: Cannot remove peer {peer} as there are shards on it");

        await harness.Client.DropReplicaAsync("c", 0, cluster.LocalPeerId);
        var dropLast = () => harness.Client.DropReplicaAsync("c", 0, peer);
        (await dropLast.Should().ThrowAsync<QdrantException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);

        await harness.Client.ReplicateShardAsync("c", 0, peer, cluster.LocalPeerId);
        await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);
        await harness.Client.DropReplicaAsync("c", 0, peer);
        await harness.Client.RemovePeerAsync(peer);
        cluster.PeerIds.Should().Equal(cluster.LocalPeerId);
    }

    [Fact]
    public async Task A_peer_that_goes_down_leaves_a_dead_replica_until_it_returns()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.Zero;
        var peer = cluster.AddPeer();
        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer);
        await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);

        cluster.SetPeerDown(peer, down: true);
        (await harness.Client.GetCollectionClusterInfoAsync("c")).ReplicasOf(0)[peer].Should().Be(ReplicaState.Dead);

        cluster.SetPeerDown(peer, down: false);
        (await harness.Client.GetCollectionClusterInfoAsync("c")).ReplicasOf(0)[peer].Should().Be(ReplicaState.Active);
    }

    [Fact]
    public async Task Moving_a_shard_leaves_it_only_on_the_target_peer()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.Zero;
        var peer = cluster.AddPeer();

        await harness.Client.MoveShardAsync("c", 0, cluster.LocalPeerId, peer);
        var info = await WaitForAsync(harness.Client, i => i.ShardTransfers.Count == 0);

        info.LocalShards.Should().BeEmpty();
        info.RemoteShards.Should().ContainSingle().Which.Should().Be(new RemoteShardInfo { ShardId = 0, PeerId = peer, State = ReplicaState.Active });
        cluster.Replicas("c").Should().ContainKey(peer).And.HaveCount(1);
    }

    [Fact]
    public async Task A_returning_peer_catches_up_through_a_recovery_transfer_before_it_is_active_again()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.Zero;
        var peer = cluster.AddPeer();
        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer);
        await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);
        cluster.SetPeerDown(peer, down: true);

        cluster.TransferDuration = TimeSpan.FromSeconds(30);
        cluster.SetPeerDown(peer, down: false);
        var recovering = await harness.Client.GetCollectionClusterInfoAsync("c");

        recovering.ReplicasOf(0)[peer].Should().Be(ReplicaState.Partial);
        recovering.ShardTransfers.Should().ContainSingle().Which.Should().Match<ShardTransferInfo>(t => t.From == cluster.LocalPeerId && t.To == peer && t.Sync);
    }

    [Fact]
    public async Task A_failed_transfer_leaves_the_replica_dead_and_qdrant_recovers_it_by_itself()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.FromMilliseconds(20);
        cluster.RecoveryDelay = TimeSpan.FromSeconds(30);
        cluster.FailNextTransfers(1);
        var peer = cluster.AddPeer();

        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer);
        var failed = await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);

        failed.ReplicasOf(0)[peer].Should().Be(ReplicaState.Dead);
        cluster.TransfersFailed.Should().Be(1);

        cluster.RecoveryDelay = TimeSpan.Zero;
        cluster.SetPeerDown(peer, down: true);
        cluster.SetPeerDown(peer, down: false);
        var recovered = await WaitForAsync(harness.Client, info => info.ReplicasOf(0)[peer] == ReplicaState.Active);
        recovered.ShardTransfers.Should().BeEmpty();
    }

    [Fact]
    public async Task Point_operations_need_an_active_replica_and_writes_need_write_consistency_factor_replicas()
    {
        await using var harness = await StartAsync();
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.Zero;
        var peer = cluster.AddPeer();
        await harness.Client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer);
        await WaitForAsync(harness.Client, info => info.ShardTransfers.Count == 0);
        await harness.Client.UpdateCollectionAsync("c", new UpdateCollectionRequest { Params = new CollectionParamsDiff { WriteConsistencyFactor = 2 } });

        cluster.SetPeerDown(peer, down: true);
        (await harness.Client.CountAsync("c")).Should().Be(10, "one Active replica serves reads");
        var write = () => harness.Client.UpsertAsync("c", TestVectors.Points(1, 2, seed: 2));
        (await write.Should().ThrowAsync<QdrantException>()).Which.QdrantMessage.Should().Contain("write_consistency_factor (2)");

        cluster.SetPeerDown(cluster.LocalPeerId, down: true);
        var read = () => harness.Client.CountAsync("c");
        (await read.Should().ThrowAsync<QdrantException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.InternalServerError);

        cluster.SetPeerDown(cluster.LocalPeerId, down: false);
        cluster.SetPeerDown(peer, down: false);
        await WaitForAsync(harness.Client, info => info.ReplicasOf(0).Values.All(s => s == ReplicaState.Active));
        await harness.Client.UpsertAsync("c", TestVectors.Points(1, 2, seed: 2));
    }

    private static async Task<CollectionClusterInfo> WaitForAsync(QdrantShardClient client, Func<CollectionClusterInfo, bool> condition)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var info = await client.GetCollectionClusterInfoAsync("c");
            if (condition(info))
            {
                return info;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The collection's cluster state did not reach the expected condition within 2 s");
    }
}
