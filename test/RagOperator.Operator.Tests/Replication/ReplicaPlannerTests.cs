using FluentAssertions;
using RagOperator.Operator.Replication;
using RagOperator.Qdrant.Models;
using Xunit;

namespace RagOperator.Operator.Tests.Replication;

public sealed class ReplicaPlannerTests
{
    private const ReplicaState A = ReplicaState.Active;
    private const ReplicaState P = ReplicaState.Partial;
    private const ReplicaState D = ReplicaState.Dead;

    /// <summary>Peer ids are 100 + ordinal, so a case reads as pods.</summary>
    private static ReplicaView View(int desired, int set, int[] ready, int[] peers, (int Ordinal, ReplicaState State)[] replicas, int transfers = 0) =>
        new(desired, set, ready.ToHashSet(), [.. peers.Select(o => new ClusterPeer(Peer(o), o))],
            replicas.ToDictionary(r => Peer(r.Ordinal), r => r.State), transfers);

    private static ulong Peer(int ordinal) => (ulong)(100 + ordinal);

    public sealed record Case(string Name, ReplicaView View, ReplicaAction Expected);

    public static TheoryData<Case> Cases => new()
    {
        new("one replica, one pod: nothing to do",
            View(1, 1, [0], [0], [(0, A)]), new ReplicaAction.Converged()),
        new("1→3: pods not started yet, wait",
            View(3, 3, [0], [0], [(0, A)]), new ReplicaAction.Wait("pod 1 is not Ready; pod 2 is not Ready")),
        new("1→3: pod 1 ready and joined, copy to it first",
            View(3, 3, [0, 1, 2], [0, 1, 2], [(0, A)]), new ReplicaAction.Replicate(Peer(0), Peer(1), 1)),
        new("1→3: a transfer runs, wait for it",
            View(3, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, P)], transfers: 1), new ReplicaAction.Wait("1 shard transfer in progress")),
        new("1→3: pod 1 done, copy to pod 2 from the lowest Active",
            View(3, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, A)]), new ReplicaAction.Replicate(Peer(0), Peer(2), 2)),
        new("ready pod that has not joined the cluster: wait",
            View(2, 2, [0, 1], [0], [(0, A)]), new ReplicaAction.Wait("pod 1 has not joined the Qdrant cluster")),
        new("3 replicas Active: converged",
            View(3, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, A), (2, A)]), new ReplicaAction.Converged()),
        new("3→2: drop the replica of pod 2 first",
            View(2, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, A), (2, A)]), new ReplicaAction.DropReplica(Peer(2), 2)),
        new("3→2: then remove its peer",
            View(2, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, A)]), new ReplicaAction.RemovePeer(Peer(2), 2)),
        new("3→2: only then shrink the StatefulSet",
            View(2, 3, [0, 1, 2], [0, 1], [(0, A), (1, A)]), new ReplicaAction.ShrinkStatefulSet(2)),
        new("3→1: highest ordinal first",
            View(1, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, A), (2, A)]), new ReplicaAction.DropReplica(Peer(2), 2)),
        new("3→2 while a kept replica is still Dead: keep the surplus replica",
            View(2, 3, [0, 1, 2], [0, 1, 2], [(0, A), (1, D), (2, A)]),
            new ReplicaAction.Wait("pod 2 keeps its replica until the pods that stay are ready: replica on pod 1 is Dead")),
        new("never below one Active replica: the only Active one is on the pod that goes",
            View(1, 2, [0, 1], [0, 1], [(0, P), (1, A)]),
            new ReplicaAction.Wait("pod 1 keeps its replica until the pods that stay are ready: replica on pod 0 is Partial")),
        new("no Active replica at all: do nothing",
            View(2, 2, [1], [0, 1], [(0, D), (1, D)]),
            new ReplicaAction.Wait("no replica of the shard is Active; Qdrant recovers the replicas when their pods are back")),
        new("surplus pod already gone but its peer stayed: drop and remove it",
            View(2, 2, [0, 1], [0, 1, 2], [(0, A), (1, A), (2, D)]), new ReplicaAction.DropReplica(Peer(2), 2)),
        new("a restarting kept pod: wait, never copy to a Dead replica",
            View(2, 2, [0], [0, 1], [(0, A), (1, D)]), new ReplicaAction.Wait("pod 1 is not Ready")),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_next_replica_action_follows_from_the_view(Case @case) =>
        ReplicaPlanner.Next(@case.View).Should().Be(@case.Expected, @case.Name);

    [Theory]
    [InlineData("http://docs-shard-0-2.docs-shard-0-headless.ns.svc:6335/", "docs-shard-0", 2)]
    [InlineData("http://docs-shard-0-0.docs-shard-0-headless.ns.svc:6335", "docs-shard-0", 0)]
    [InlineData("http://docs-shard-10-1.docs-shard-10-headless.ns.svc:6335/", "docs-shard-1", null)]
    [InlineData("http://127.0.0.1:6335/", "docs-shard-0", null)]
    [InlineData("not a uri", "docs-shard-0", null)]
    public void A_peer_uri_names_its_pod_ordinal(string uri, string set, int? ordinal) =>
        ReplicaPlanner.OrdinalFromUri(uri, set).Should().Be(ordinal);
}
