using FluentAssertions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

/// <summary>
/// The rolling-upgrade step decides from informer caches that may predate the operator's own writes: a StatefulSet
/// whose new template (any pod field, not only the image) the cache has not seen yet, or a migration the previous
/// reconcile just planned. Neither may end in UpToDate or in a deleted pod.
/// </summary>
public sealed class RollingUpgradeStepTests
{
    private const string Revision = "docs-shard-0-5d8f7";

    /// <param name="Previous">Turns the current spec into the one the cached set was built from.</param>
    public sealed record Case(string Name, Action<VectorCollectionSpec> Previous, Action<StatefulSet> Cached, string Status, string Reason)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("the cached set holds the current template and status for its generation: up to date",
            _ => { }, _ => { }, "False", Reasons.UpToDate),
        new("server defaults in the cached template are no change: up to date",
            _ => { }, set => set.Spec.Template.Spec.RestartPolicy = "Always", "False", Reasons.UpToDate),
        new("the cache predates a resources change: the old pods only look updated, wait",
            spec => spec.Resources = Cpu("100m"), _ => { }, "True", Reasons.RollingUpgrade),
        new("the cache predates a new Qdrant version: wait",
            spec => spec.Qdrant.Version = "v1.18.0", _ => { }, "True", Reasons.RollingUpgrade),
        new("the template is current but the status describes the previous generation: wait",
            _ => { }, set => set.Metadata.Generation = 2, "True", Reasons.RollingUpgrade),
        new("the controller has not written an update revision yet: wait",
            _ => { }, set => set.Status!.UpdateRevision = null, "True", Reasons.RollingUpgrade),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_rollout_is_up_to_date_only_once_the_cached_set_shows_the_template_this_reconcile_wants(Case @case)
    {
        var previous = Collection();
        @case.Previous(previous.Spec);
        var set = Observed(StatefulSetBuilder.Build(Fixtures.Input(previous), 0));
        @case.Cached(set);
        var client = Substitute.For<IKubernetesClient>();
        var context = Context(Collection(), set, client);

        (await new RollingUpgradeStep().RunAsync(context, CancellationToken.None)).Should().Be(StepResult.Continue);

        var upgrading = context.Facts.ExtraConditions.Should().ContainSingle(c => c.Type == ConditionTypes.Upgrading).Subject;
        upgrading.Status.Should().Be(@case.Status);
        upgrading.Reason.Should().Be(@case.Reason);
        if (@case.Status == "True") upgrading.Message.Should().Contain("waiting for the StatefulSet controller to see the new template");
        await client.DidNotReceiveWithAnyArgs().DeleteAsync<Pod>(default!, default, default, default);
    }

    [Fact]
    public async Task No_pod_is_deleted_when_the_api_server_shows_a_migration_the_cached_collection_does_not_have_yet()
    {
        var set = Observed(StatefulSetBuilder.Build(Fixtures.Input(Collection()), 0));
        set.Status!.UpdateRevision = "docs-shard-0-new";
        var client = Substitute.For<IKubernetesClient>();
        var planned = Collection();
        planned.Status = new VectorCollectionStatus { Migration = new MigrationStatus { Id = "docs-1to2-v1", Phase = MigrationPhase.Planned } };
        client.GetAsync<VectorCollection>("docs", "search", Arg.Any<CancellationToken>()).Returns(planned);
        var context = Context(Collection(), set, client);

        await new RollingUpgradeStep().RunAsync(context, CancellationToken.None);

        await client.DidNotReceiveWithAnyArgs().DeleteAsync<Pod>(default!, default, default, default);
        context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Upgrading).Message
            .Should().Contain("waiting for the stream migration to finish");
    }

    [Fact]
    public async Task A_pod_the_cache_shows_after_it_was_already_replaced_is_left_to_the_new_one()
    {
        var set = Observed(StatefulSetBuilder.Build(Fixtures.Input(Collection()), 0));
        set.Status!.UpdateRevision = "docs-shard-0-new";
        var client = Substitute.For<IKubernetesClient>();
        client.GetAsync<VectorCollection>("docs", "search", Arg.Any<CancellationToken>()).Returns(Collection());
        client.DeleteAsync<Pod>("docs-shard-0-0", "search", Arg.Any<DeleteOptions?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ConflictException(new Status { Code = 409, Reason = "Conflict", Message = "Precondition failed: UID in precondition" }));
        var context = Context(Collection(), set, client);

        (await new RollingUpgradeStep().RunAsync(context, CancellationToken.None)).Should().Be(StepResult.Continue);

        await client.Received(1).DeleteAsync<Pod>("docs-shard-0-0", "search",
            Arg.Is<DeleteOptions?>(o => o!.PreconditionUid == "uid-docs-shard-0-0"), Arg.Any<CancellationToken>());
        context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Upgrading).Reason.Should().Be(Reasons.RollingUpgrade);
    }

    /// <summary>The collection as the reconcile reads it: one shard, 250m CPU per pod.</summary>
    private static VectorCollection Collection() => Fixtures.Collection(configure: spec =>
    {
        spec.Shards = 1;
        spec.Resources = Cpu("250m");
    });

    private static ResourceRequirements Cpu(string cpu) => new() { Requests = new Dictionary<string, string> { ["cpu"] = cpu } };

    /// <summary>The set as the StatefulSet controller leaves it once it has seen generation 1.</summary>
    private static StatefulSet Observed(StatefulSet set)
    {
        set.Metadata.Uid = "uid-docs-shard-0";
        set.Metadata.Generation = 1;
        set.Status = new StatefulSetStatus
        {
            ObservedGeneration = 1, Replicas = 1, ReadyReplicas = 1, UpdatedReplicas = 1, CurrentRevision = Revision, UpdateRevision = Revision,
        };
        return set;
    }

    private static ReconcileContext Context(VectorCollection collection, StatefulSet set, IKubernetesClient client)
    {
        var view = new DictionaryView();
        view.Put(set);
        view.Put(Pod(set));
        var context = StepContexts.Create(collection, view, client);
        context.Facts.Shards.Add(new ShardState(0, ChildNames.Shard("docs", 0))
        {
            Exists = true, Replicas = 1, ReadyReplicas = 1, WorkloadReady = true, CollectionCreated = true,
            QdrantReplicas = new ReplicaSummary(1, 1, [], Settled: true, null),
        });
        return context;
    }

    /// <summary>Pod 0 of the set, Ready, created from revision <see cref="Revision"/>.</summary>
    private static Pod Pod(StatefulSet set) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "docs-shard-0-0",
            Namespace = "search",
            Uid = "uid-docs-shard-0-0",
            CreationTimestamp = DateTimeOffset.UtcNow,
            Labels = new Dictionary<string, string>(Labels.ForShard("docs", 0)) { ["controller-revision-hash"] = Revision },
            OwnerReferences = [new OwnerReference { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = set.Metadata.Name!, Uid = set.Metadata.Uid!, Controller = true }],
        },
        Spec = KubernetesJson.Clone(set.Spec.Template.Spec),
        Status = new PodStatus { Phase = "Running", Conditions = [new PodCondition { Type = "Ready", Status = "True" }] },
    };
}
