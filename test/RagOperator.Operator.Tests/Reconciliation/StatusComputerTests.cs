using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

public sealed class StatusComputerTests
{
    private static readonly ManualTime Time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static ShardState Shard(int index, bool workload = true, bool created = true, string? error = null, int ready = 1) =>
        new(index, $"docs-shard-{index}") { Exists = true, Replicas = 1, ReadyReplicas = ready, WorkloadReady = workload, CollectionCreated = created, Points = 10, Error = error };

    private static RoutingTable Table(VectorCollection collection) => RoutingTables.Initial(Fixtures.Input(collection), 1, s => $"http://s{s}");

    public sealed record Case(
        string Name, Action<ReconcileFacts> Facts, bool WithTable,
        string Phase, string Ready, string Progressing, string Degraded, string ReadyReason);

    public static TheoryData<Case> Cases => new()
    {
        new("blocked before provisioning", f => f.Blockers.Add(new Blocker("NodePoolNotFound", "pool gpu does not exist")), false,
            "Pending", "False", "False", "True", "NodePoolNotFound"),
        new("blocked after provisioning", f => f.Blockers.Add(new Blocker("SecretNotFound", "missing")), true,
            "Degraded", "False", "False", "True", "SecretNotFound"),
        new("nothing observed yet", _ => { }, false, "Pending", "False", "True", "False", "WaitingForShards"),
        new("shards starting", f => Observe(f, Shard(0), Shard(1, workload: false, created: false, ready: 0)), false,
            "Provisioning", "False", "True", "False", "WaitingForShards"),
        new("creating collections", f => Observe(f, Shard(0), Shard(1, created: false)), false,
            "Provisioning", "False", "True", "False", "CreatingCollections"),
        new("waiting for routers", f => { Observe(f, Shard(0), Shard(1)); f.Router = new RouterState(2, 1, "docs-router"); }, true,
            "Provisioning", "False", "True", "False", "WaitingForRouters"),
        new("ready", f => { Observe(f, Shard(0), Shard(1)); f.Router = new RouterState(2, 2, "docs-router"); }, true,
            "Ready", "True", "False", "False", "Ready"),
        new("ready but a change cannot be applied", f => { Observe(f, Shard(0), Shard(1)); f.Router = new RouterState(2, 2, "r"); f.NotInPlace.Add("x"); }, true,
            "Degraded", "True", "False", "True", "Ready"),
        new("shard lost pods after provisioning", f => { Observe(f, Shard(0), Shard(1, workload: false, ready: 0)); f.Router = new RouterState(2, 2, "r"); }, true,
            "Degraded", "False", "True", "True", "ShardsNotReady"),
        new("qdrant error", f => { Observe(f, Shard(0), Shard(1, error: "connection refused")); f.Router = new RouterState(2, 2, "r"); }, true,
            "Degraded", "False", "False", "True", "QdrantUnavailable"),
        new("rebalance pending", f => { Observe(f, Shard(0), Shard(1)); f.Router = new RouterState(2, 2, "r"); f.RebalanceMessage = "3 vs 2"; }, true,
            "Ready", "True", "True", "False", "Ready"),
        new("replicas being added: serving and progressing", f => { Observe(f, Shard(0), Shard(1)); f.Router = new RouterState(2, 2, "r"); f.Progress.Add(("ReplicatingShards", "shard 0: copying")); }, true,
            "Ready", "True", "True", "False", "Ready"),
        new("a rolling upgrade has a pod of a shard down: updating, not degraded",
            f => { Observe(f, Shard(0), Shard(1, workload: false, ready: 0)); f.Shards[1].PodsChanging = "rolling upgrade"; f.Router = new RouterState(2, 2, "r"); }, true,
            "Updating", "False", "True", "False", "ShardsNotReady"),
        new("rollout halted: degraded", f => { Observe(f, Shard(0), Shard(1)); f.Router = new RouterState(2, 2, "r"); f.Problems.Add(("UpgradeHalted", "pod x keeps crashing")); }, true,
            "Degraded", "True", "False", "True", "Ready"),
    };

    private static void Observe(ReconcileFacts facts, params ShardState[] shards)
    {
        facts.Shards.AddRange(shards);
        facts.ShardsObserved = true;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Status_follows_from_the_facts(Case @case)
    {
        var collection = Fixtures.Collection();
        collection.Metadata.Generation = 4;
        var facts = new ReconcileFacts();
        @case.Facts(facts);
        var status = new VectorCollectionStatus();

        StatusComputer.Apply(collection, @case.WithTable ? Table(collection) : null, facts, status, Time);

        status.Phase.Should().Be(@case.Phase, @case.Name);
        Condition(status, "Ready").Status.Should().Be(@case.Ready, @case.Name);
        Condition(status, "Ready").Reason.Should().Be(@case.ReadyReason, @case.Name);
        Condition(status, "Progressing").Status.Should().Be(@case.Progressing, @case.Name);
        Condition(status, "Degraded").Status.Should().Be(@case.Degraded, @case.Name);
        status.ObservedGeneration.Should().Be(4);
        status.Conditions.Should().OnlyContain(c => c.ObservedGeneration == 4 && c.Message.Length > 0);
    }

    [Fact]
    public void Shards_routing_and_router_are_reported()
    {
        var collection = Fixtures.Collection();
        var facts = new ReconcileFacts { Router = new RouterState(2, 2, "docs-router"), AcknowledgedVersion = 1 };
        Observe(facts, Shard(0), Shard(1));
        var status = new VectorCollectionStatus();

        StatusComputer.Apply(collection, Table(collection), facts, status, Time);

        status.Shards.Should().BeEquivalentTo(new[]
        {
            new ShardStatus { Index = 0, Name = "docs-shard-0", Replicas = 1, ReadyReplicas = 1, CollectionCreated = true, Points = 10, Ready = true },
            new ShardStatus { Index = 1, Name = "docs-shard-1", Replicas = 1, ReadyReplicas = 1, CollectionCreated = true, Points = 10, Ready = true },
        });
        status.Routing.Should().BeEquivalentTo(new RoutingStatus { ActiveVersion = 1, ConfigMap = "docs-routing", AcknowledgedVersion = 1 });
        status.Router.Should().BeEquivalentTo(new RouterStatus { Replicas = 2, ReadyReplicas = 2, Service = "docs-router" });
    }

    [Fact]
    public void A_second_computation_of_the_same_facts_changes_nothing()
    {
        var collection = Fixtures.Collection();
        var facts = new ReconcileFacts { Router = new RouterState(2, 2, "docs-router") };
        Observe(facts, Shard(0), Shard(1));
        var status = new VectorCollectionStatus { Migration = new MigrationStatus { Id = "kept" } };
        StatusComputer.Apply(collection, Table(collection), facts, status, Time);
        var first = KubernetesJson.Serialize(status);

        Time.Advance(TimeSpan.FromHours(1));
        StatusComputer.Apply(collection, Table(collection), facts, status, Time);

        KubernetesJson.Serialize(status).Should().Be(first);
        status.Migration!.Id.Should().Be("kept", "the migration block belongs to the migration");
    }

    [Fact]
    public void A_shard_whose_replicas_were_not_checked_keeps_the_counts_last_seen_so_its_starting_pods_still_count_as_growth()
    {
        var collection = Fixtures.Collection();
        collection.Spec.Replicas = 3;
        var checkedShard = Shard(0);
        checkedShard.QdrantReplicas = new ReplicaSummary(1, 1, [], Settled: false, "adding a replica");
        var facts = new ReconcileFacts { Router = new RouterState(2, 2, "docs-router") };
        Observe(facts, checkedShard, Shard(1));
        var status = new VectorCollectionStatus();
        StatusComputer.Apply(collection, Table(collection), facts, status, Time);

        // The new pods are still starting: the replica check skips the shard, which reports no counts this time.
        var starting = new ShardState(0, "docs-shard-0") { Exists = true, Replicas = 3, ReadyReplicas = 1 };
        var later = new ReconcileFacts { Router = new RouterState(2, 2, "docs-router") };
        Observe(later, starting, Shard(1));
        StatusComputer.Apply(collection, Table(collection), later, status, Time);

        var kept = status.Shards!.Single(s => s.Index == 0);
        kept.TotalReplicas.Should().Be(1);
        kept.ActiveReplicas.Should().Be(1);
        ShardReadinessStep.Growing(starting, kept, desiredReplicas: 3).Should().BeTrue("the data still has fewer replicas than asked for");
        status.Shards!.Single(s => s.Index == 1).TotalReplicas.Should().BeNull("a shard never checked has no counts");
    }

    private static Condition Condition(VectorCollectionStatus status, string type) => status.Conditions!.Single(c => c.Type == type);
}
