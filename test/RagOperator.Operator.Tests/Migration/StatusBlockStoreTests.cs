using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Migration;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

/// <summary>The status block writer against the in-process API server: what one save writes, and what a failed one leaves.</summary>
public sealed class StatusBlockStoreTests
{
    private static MigrationStatus Migration() => new()
    {
        Id = "docs-repartition-g1-v1",
        Kind = SemanticSharding.RepartitionKind,
        Phase = MigrationPhase.Planned,
        Moves = [new MigrationMove { Cells = "0-31", From = 0, To = 0, State = "Pending" }],
    };

    private static SemanticStatus Trained() => new() { State = SemanticSharding.Repartitioning, SamplePoints = 800, Trigger = "test", RetrainRequest = "r1" };

    [Fact]
    public async Task Blocks_saved_together_are_written_all_or_none_when_the_status_write_fails()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        var context = await harness.ContextAsync();
        var failing = harness.Api.Faults.Add(new FaultRule
        {
            Kind = FaultKind.InternalError, Verb = "patch", Resource = $"vectorcollections.{ApiGroup.Name}", Subresource = "status",
        });

        var save = () => StatusBlockStore.SaveAsync(context, [MigrationStatusStore.Block(Migration()), SemanticStatusStore.Block(Trained())], CancellationToken.None);
        await save.Should().ThrowAsync<Exception>();
        var stored = await harness.Client.GetAsync<VectorCollection>(StepHarness.Name, StepHarness.Namespace);
        stored.Status?.Migration.Should().BeNull("a failed save writes no block");
        stored.Status?.Semantic.Should().BeNull("a failed save writes no block");

        harness.Api.Faults.Remove(failing);
        await save();
        stored = await harness.Client.GetAsync<VectorCollection>(StepHarness.Name, StepHarness.Namespace);
        stored.Status!.Migration!.Id.Should().Be("docs-repartition-g1-v1");
        stored.Status.Semantic!.SamplePoints.Should().Be(800);
        stored.Status.Semantic.RetrainRequest.Should().Be("r1");
        context.Collection.Status!.Migration!.Id.Should().Be("docs-repartition-g1-v1", "the reconcile goes on with what it wrote");
        context.Collection.Metadata.ResourceVersion.Should().Be(stored.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_block_save_replaces_only_its_own_block_of_an_existing_status()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        var context = await harness.ContextAsync();
        await StatusBlockStore.SaveAsync(context, [MigrationStatusStore.Block(Migration()), SemanticStatusStore.Block(Trained())], CancellationToken.None);

        var done = Migration();
        done.Phase = MigrationPhase.Done;
        await MigrationStatusStore.SaveAsync(context, done, CancellationToken.None);

        var stored = await harness.Client.GetAsync<VectorCollection>(StepHarness.Name, StepHarness.Namespace);
        stored.Status!.Migration!.Phase.Should().Be(MigrationPhase.Done);
        stored.Status.Semantic!.SamplePoints.Should().Be(800, "the semantic block is not the migration writer's");
    }
}
