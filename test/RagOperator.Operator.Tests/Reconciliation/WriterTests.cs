using FluentAssertions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Reconciliation;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

public sealed class WriterTests
{
    private static readonly Status ConflictStatus = new() { Code = 409, Reason = "Conflict", Message = "the object has been modified" };

    [Fact]
    public async Task A_status_that_does_not_change_is_not_written()
    {
        var client = Substitute.For<IKubernetesClient>();
        var collection = Fixtures.Collection();
        collection.Status = new VectorCollectionStatus { Phase = "Ready" };

        var written = await new StatusWriter(client).UpdateAsync<VectorCollection, VectorCollectionSpec, VectorCollectionStatus>(
            collection, (_, status) => status.Phase = "Ready", CancellationToken.None);

        written.Should().BeFalse();
        await client.DidNotReceiveWithAnyArgs().UpdateStatusAsync<VectorCollection>(default!, default);
    }

    [Fact]
    public async Task A_conflict_rereads_and_reapplies_the_change_on_the_fresh_object()
    {
        var client = Substitute.For<IKubernetesClient>();
        var stale = Fixtures.Collection();
        var fresh = Fixtures.Collection();
        fresh.Metadata.ResourceVersion = "11";
        fresh.Status = new VectorCollectionStatus { Migration = new MigrationStatus { Id = "m1", Phase = MigrationPhase.Copying } };
        var sent = new List<VectorCollection>();
        client.UpdateStatusAsync(Arg.Any<VectorCollection>(), Arg.Any<CancellationToken>()).Returns(
            _ => throw new ConflictException(ConflictStatus),
            call =>
            {
                sent.Add(call.Arg<VectorCollection>());
                return call.Arg<VectorCollection>();
            });
        client.GetAsync<VectorCollection>("docs", "search", Arg.Any<CancellationToken>()).Returns(fresh);

        var written = await new StatusWriter(client).UpdateAsync<VectorCollection, VectorCollectionSpec, VectorCollectionStatus>(
            stale, (_, status) => status.Phase = "Rebalancing", CancellationToken.None);

        written.Should().BeTrue();
        var update = sent.Should().ContainSingle().Subject;
        update.Metadata.ResourceVersion.Should().Be("11");
        update.Status!.Phase.Should().Be("Rebalancing");
        update.Status.Migration!.Id.Should().Be("m1", "a field another writer set must survive the retry");
    }

    [Fact]
    public async Task A_status_write_for_a_deleted_object_is_dropped()
    {
        var client = Substitute.For<IKubernetesClient>();
        client.UpdateStatusAsync(Arg.Any<VectorCollection>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new NotFoundException(new Status { Code = 404, Reason = "NotFound" }));

        var written = await new StatusWriter(client).UpdateAsync<VectorCollection, VectorCollectionSpec, VectorCollectionStatus>(
            Fixtures.Collection(), (_, status) => status.Phase = "Ready", CancellationToken.None);

        written.Should().BeFalse();
    }

    [Fact]
    public async Task Children_are_applied_only_when_the_cache_does_not_contain_them_and_never_when_foreign()
    {
        var client = Substitute.For<IKubernetesClient>();
        var view = new DictionaryView();
        var applier = new ChildApplier(client, view, "rag-operator");
        var input = Fixtures.Input();
        var desired = ShardServiceBuilder.Build(input, 0);

        (await applier.ApplyAsync(desired, "uid-docs", CancellationToken.None)).Should().Be(ApplyOutcome.Created);
        await client.Received(1).ApplyAsync(desired, new ApplyOptions("rag-operator", Force: true), Arg.Any<CancellationToken>());

        // The live object as the server returns it: defaults and status added.
        var live = KubernetesJson.Clone(desired);
        live.Spec.ClusterIP = "10.0.0.12";
        live.Spec.SessionAffinity = "None";
        live.Metadata.ResourceVersion = "5";
        view.Put(live);
        (await applier.ApplyAsync(ShardServiceBuilder.Build(input, 0), "uid-docs", CancellationToken.None)).Should().Be(ApplyOutcome.Unchanged);

        var changed = ShardServiceBuilder.Build(Fixtures.Input(Fixtures.Collection()), 0);
        changed.Spec.Ports![0].Port = 7000;
        (await applier.ApplyAsync(changed, "uid-docs", CancellationToken.None)).Should().Be(ApplyOutcome.Updated);

        var foreign = KubernetesJson.Clone(live);
        foreign.Metadata.OwnerReferences = null;
        view.Put(foreign);
        (await applier.ApplyAsync(changed, "uid-docs", CancellationToken.None)).Should().Be(ApplyOutcome.Conflict);
        await client.ReceivedWithAnyArgs(2).ApplyAsync<Service>(default!, default!, default);
    }
}
