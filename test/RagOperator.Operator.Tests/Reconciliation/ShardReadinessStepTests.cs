using FluentAssertions;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

public sealed class ShardReadinessStepTests
{
    public sealed record Case(string Name, int Desired, int SpecReplicas, int? ReadyReplicas, long Generation, long? ObservedGeneration, bool Ready);

    public static TheoryData<Case> Cases => new()
    {
        new("every pod ready", 2, 2, 2, 1, 1, true),
        new("a brand-new set without status", 2, 2, null, 1, null, false),
        new("a pod not ready", 2, 2, 1, 1, 1, false),
        new("a template change the controller has not seen yet: the running pods still serve", 2, 2, 2, 3, 2, true),
        new("a scale-up the controller has not seen yet: the new pods are not there", 3, 3, 2, 2, 1, false),
        new("more pods than desired while the replica step drains peers", 2, 3, 3, 1, 1, true),
        new("fewer pods than desired", 3, 2, 2, 1, 1, false),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_shard_is_ready_when_its_set_runs_at_least_the_desired_pods_all_ready(Case @case)
    {
        var set = new StatefulSet
        {
            Metadata = new ObjectMeta { Name = "docs-shard-0", Generation = @case.Generation },
            Spec = new StatefulSetSpec { Replicas = @case.SpecReplicas },
            Status = @case.ReadyReplicas is null && @case.ObservedGeneration is null
                ? null
                : new StatefulSetStatus { ReadyReplicas = @case.ReadyReplicas, ObservedGeneration = @case.ObservedGeneration },
        };

        ShardReadinessStep.Observe(0, "docs-shard-0", set, @case.Desired, []).WorkloadReady.Should().Be(@case.Ready, @case.Name);
    }

    public sealed record PodsCase(string Name, int SetReadyReplicas, bool[] PodsReady, int ReadyReplicas, bool Ready);

    public static TheoryData<PodsCase> PodsCases => new()
    {
        new("the set's status lags pods that have become ready", 1, [true, true, true], 3, true),
        new("the pods lag a set whose status counts them ready", 3, [true, false, false], 3, true),
        new("a pod not ready by both", 2, [true, false, true], 2, false),
        new("a pod beyond the set's size (being removed) does not count", 1, [true, true, false, true], 2, false),
        new("no pods seen yet: the set's status counts", 3, [], 3, true),
    };

    [Theory]
    [MemberData(nameof(PodsCases))]
    public void A_pod_counts_ready_when_the_set_or_the_pod_itself_says_so(PodsCase @case)
    {
        var set = new StatefulSet
        {
            Metadata = new ObjectMeta { Name = "docs-shard-0", Generation = 1 },
            Spec = new StatefulSetSpec { Replicas = 3 },
            Status = new StatefulSetStatus { ReadyReplicas = @case.SetReadyReplicas, ObservedGeneration = 1 },
        };
        var pods = @case.PodsReady.Select((ready, ordinal) => new Pod
        {
            Metadata = new ObjectMeta { Name = $"docs-shard-0-{ordinal}" },
            Status = new PodStatus { Conditions = [new PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
        }).ToList();

        var state = ShardReadinessStep.Observe(0, "docs-shard-0", set, 3, pods);

        state.ReadyReplicas.Should().Be(@case.ReadyReplicas, @case.Name);
        state.WorkloadReady.Should().Be(@case.Ready, @case.Name);
    }

    [Theory]
    [InlineData(1, 3, false, true)]
    [InlineData(3, 3, false, false)]
    [InlineData(null, 3, false, false)]
    [InlineData(1, 3, true, false)]
    public void Pods_not_ready_while_replicas_are_added_are_progress_not_a_fault(int? recordedReplicas, int desired, bool workloadReady, bool growing)
    {
        var state = new RagOperator.Operator.Reconciliation.ShardState(0, "docs-shard-0") { Exists = true, WorkloadReady = workloadReady };
        var recorded = recordedReplicas is null ? null : new RagOperator.Api.V1Alpha1.ShardStatus { Index = 0, TotalReplicas = recordedReplicas };

        ShardReadinessStep.Growing(state, recorded, desired).Should().Be(growing);
    }

    [Theory]
    [InlineData(2, true, false, true)]
    [InlineData(1, true, false, false)]
    [InlineData(2, true, true, false)]
    [InlineData(2, false, false, false)]
    public void A_shard_no_routing_table_lists_yet_is_joining_while_its_pods_start(int index, bool exists, bool workloadReady, bool joining)
    {
        var table = RoutingTable.Create("docs", "search", 3, new HashCellAssigner(64), 8, Distance.Cosine,
            RebalancePlanner.InitialAssignment(64, 2).Shards.Select(s => new RoutingShard(s.Key, $"http://docs-shard-{s.Key}:6333", s.Value)));
        var state = new RagOperator.Operator.Reconciliation.ShardState(index, $"docs-shard-{index}") { Exists = exists, WorkloadReady = workloadReady };

        ShardReadinessStep.Joining(state, table).Should().Be(joining);
        ShardReadinessStep.Joining(state, null).Should().BeFalse("before the first table nothing is degraded anyway");
    }

    [Fact]
    public void A_shard_without_a_set_does_not_exist_and_is_not_ready()
    {
        var state = ShardReadinessStep.Observe(1, "docs-shard-1", null, 2, []);

        state.Exists.Should().BeFalse();
        state.WorkloadReady.Should().BeFalse();
    }
}
