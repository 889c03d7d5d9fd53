using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Qdrant;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Migration;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Routing;
using Xunit;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Tests.Migration;

public sealed class MigrationStepTests
{
    private static readonly ulong[] Ids = [.. Enumerable.Range(1, 240).Select(i => (ulong)i)];

    private static StreamMigrationStep Step(TimeSpan? budget = null) => new(new StreamMigrationOptions
    {
        WorkBudget = budget ?? TimeSpan.FromSeconds(1),
        AckWait = TimeSpan.FromMilliseconds(40),
        AckWaitInterval = TimeSpan.FromMilliseconds(5),
        RetryBase = TimeSpan.FromMilliseconds(50),
    });

    private static Condition? Rebalancing(ReconcileContext context) =>
        context.Facts.ExtraConditions.LastOrDefault(c => c.Type == ConditionTypes.Rebalancing);

    /// <summary>Points whose cell moves in the plan from <paramref name="table"/> to <paramref name="shards"/> shards.</summary>
    private static int MovedPoints(RoutingTable table, int shards)
    {
        var plan = RebalancePlanner.Plan(table.OldAssignment(), shards);
        var moved = CellSet.FromRanges(plan.Moves.SelectMany(m => m.Cells.Ranges));
        return Ids.Count(id => moved.Contains(table.CellOf(PointKey.FromUlong(id))));
    }

    [Fact]
    public async Task A_scale_out_goes_through_every_phase_and_leaves_each_point_only_on_its_new_owner()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        var before = await harness.PublishedAsync();
        await harness.SetShardsAsync(3);

        var last = await harness.RunUntilAsync(Step(), m => m.Phase == ApiMigrationPhase.Done);

        var table = await harness.PublishedAsync();
        table.IsStable.Should().BeTrue();
        table.Version.Should().Be(before.Version + 4, "ReadOldWriteBoth, ReadNewWriteBoth, ReadNewWriteNew and the stable table were published");
        table.Shards.Select(s => s.Id).Should().Equal(0, 1, 2);
        table.OldAssignment().OwnerByCell().Should().Equal(RebalancePlanner.Plan(before.OldAssignment(), 3).After.OwnerByCell());
        var located = await harness.LocateAsync(3);
        located.Keys.Should().BeEquivalentTo(Ids);
        located.Should().OnlyContain(p => p.Value.Count == 1 && p.Value[0] == table.NewOwner(table.CellOf(PointKey.FromUlong(p.Key))));

        var migration = last.Collection.Status!.Migration!;
        migration.Moves.Should().OnlyContain(m => m.State == "Cleaned");
        migration.Progress!.PointsCopied.Should().Be(MovedPoints(before, 3));
        migration.VerifyPasses.Should().BeGreaterThanOrEqualTo(1);
        migration.LastVerifyRepairs.Should().Be(0);
        migration.CompletedAt.Should().NotBeNull();
        migration.CopyWatermark.Should().BeGreaterThan(1000 + Ids.Length, "the copy reads everything written before it started");
        Rebalancing(last)!.Reason.Should().Be(MigrationReasons.Done);

        var transitions = harness.Events.All.Where(e => e.Reason == "MigrationPhase").Select(e => e.Note).ToList();
        var order = new[] { "Planned -> ScalingOut", "ScalingOut -> Copying", "Copying -> Verifying", "Verifying -> CuttingOver", "CuttingOver -> Finalizing", "Finalizing -> CleaningUp" };
        transitions.Select(t => order.FirstOrDefault(t.Contains)).Where(t => t is not null).Should().Equal(order);
        harness.Events.All.Select(e => e.Reason).Should().Contain(["MigrationPlanned", "MigrationDone"]);
    }

    [Fact]
    public async Task No_step_is_taken_until_every_router_serves_the_table_published_before_it()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        harness.Routers.HoldAt = 1;
        await harness.SetShardsAsync(3);
        var step = Step();

        for (var i = 0; i < 5; i++) await harness.ReconcileAsync(step);

        (await harness.MigrationAsync())!.Phase.Should().Be(ApiMigrationPhase.ScalingOut);
        (await harness.PublishedAsync()).Migration!.Rule.Should().Be(MigrationRule.ReadOldWriteBoth);
        (await harness.Shards.ReadAsync(2)).Should().BeEmpty("nothing is copied while a router may still write only the old owner");

        harness.Routers.HoldAt = null;
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Done);
        (await harness.Shards.ReadAsync(2)).Should().HaveCount(MovedPoints(await StepHarnessTables.InitialAsync(), 3));
    }

    [Fact]
    public async Task The_copy_waits_until_the_new_shard_is_ready()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        harness.NotReady.Add(2);
        await harness.SetShardsAsync(3);
        var step = Step();

        for (var i = 0; i < 3; i++)
        {
            var (result, context) = await harness.ReconcileAsync(step);
            result.Outcome.Should().Be(StepOutcome.Requeue);
            Rebalancing(context)!.Reason.Should().Be("ScalingOut");
        }

        (await harness.PublishedAsync()).Version.Should().Be(1, "no table names the new shard before it is ready");
        harness.NotReady.Clear();
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Done);
    }

    [Fact]
    public async Task A_restarted_operator_resumes_at_the_checkpoint_and_copies_no_point_twice()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        var before = await harness.PublishedAsync();
        await harness.SetShardsAsync(4);

        // One batch per reconcile; stop the first "operator" once a move is done and the next one is halfway.
        await harness.RunUntilAsync(Step(TimeSpan.Zero), m =>
            m.Moves!.Any(x => x.State == "Copied") && m.Moves!.Any(x => x.State == "Copying" && x.Checkpoint is not null));
        var atRestart = (await harness.MigrationAsync())!;
        var copiedBefore = atRestart.Moves!.Sum(m => m.PointsCopied);

        await harness.RunUntilAsync(Step(TimeSpan.Zero), m => m.Phase == ApiMigrationPhase.Done);

        var written = Enumerable.Range(2, 2).SelectMany(shard => harness.OperatorClient(shard).Upserted).ToList();
        written.Should().OnlyHaveUniqueItems("a finished move is never copied again and a resumed one starts at its checkpoint");
        written.Should().HaveCount(MovedPoints(before, 4));
        copiedBefore.Should().BeGreaterThan(0).And.BeLessThan(MovedPoints(before, 4));
    }

    [Fact]
    public async Task A_cancel_before_the_cut_over_rolls_back_and_removes_the_copies_and_the_added_shard()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        var before = await harness.PublishedAsync();
        var sourcesBefore = new[] { await harness.Shards.ReadAsync(0), await harness.Shards.ReadAsync(1) };
        await harness.SetShardsAsync(3);
        await harness.CreateShardObjectsAsync(2);
        var step = Step(TimeSpan.Zero);
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Copying && m.Moves!.Sum(x => x.PointsCopied) > 0);
        (await harness.Shards.ReadAsync(2)).Should().NotBeEmpty();

        await harness.AnnotateAsync(StreamMigrationStep.CancelAnnotation, StreamMigrationStep.CancelValue);
        await harness.SetShardsAsync(2);
        var last = await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.RolledBack);

        var table = await harness.PublishedAsync();
        table.IsStable.Should().BeTrue();
        table.Version.Should().BeGreaterThan(before.Version + 1, "the old ownership is published again with a higher version");
        table.Shards.Select(s => s.Id).Should().Equal(0, 1);
        table.OldAssignment().OwnerByCell().Should().Equal(before.OldAssignment().OwnerByCell());
        (await harness.Shards.ReadAsync(2)).Should().BeEmpty("the copied cells are deleted from the target");
        (await harness.Shards.ReadAsync(0)).Should().BeEquivalentTo(sourcesBefore[0]);
        (await harness.Shards.ReadAsync(1)).Should().BeEquivalentTo(sourcesBefore[1]);
        (await harness.Client.TryGetAsync<StatefulSet>(ChildNames.Shard(StepHarness.Name, 2), StepHarness.Namespace)).Should().BeNull();
        Rebalancing(last)!.Reason.Should().Be(MigrationReasons.RolledBack);
        harness.Events.All.Select(e => e.Reason).Should().Contain(["MigrationRollingBack", "MigrationRolledBack"]);
    }

    [Fact]
    public async Task After_a_rollback_the_cancel_annotation_keeps_a_new_migration_from_starting()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        await harness.SetShardsAsync(3);
        var step = Step(TimeSpan.Zero);
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Copying);
        await harness.AnnotateAsync(StreamMigrationStep.CancelAnnotation, StreamMigrationStep.CancelValue);
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.RolledBack);

        var (_, context) = await harness.ReconcileAsync(step);

        (await harness.MigrationAsync())!.Phase.Should().Be(ApiMigrationPhase.RolledBack);
        Rebalancing(context)!.Reason.Should().Be(MigrationReasons.Cancelled);
        Rebalancing(context)!.Message.Should().Contain("remove the annotation");
        (await harness.PublishedAsync()).Shards.Should().HaveCount(2);

        await harness.AnnotateAsync(StreamMigrationStep.CancelAnnotation, "");
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Done);
        (await harness.PublishedAsync()).Shards.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_cancel_after_the_cut_over_is_refused_and_the_migration_finishes()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        harness.Routers.HoldAt = 2;   // routers switch to ReadOldWriteBoth (v2) but not yet to ReadNewWriteBoth (v3)
        await harness.SetShardsAsync(3);
        var step = Step();
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.CuttingOver);

        await harness.AnnotateAsync(StreamMigrationStep.CancelAnnotation, StreamMigrationStep.CancelValue);
        var (_, context) = await harness.ReconcileAsync(step);

        Rebalancing(context)!.Reason.Should().Be(MigrationReasons.CancelRefused);
        Rebalancing(context)!.Message.Should().Contain("cut-over has begun");
        harness.Events.All.Should().Contain(e => e.Reason == "MigrationCancelRefused" && e.Type == "Warning");
        harness.Routers.HoldAt = null;
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Done);
        (await harness.PublishedAsync()).Shards.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_refused_cancel_is_said_with_the_result_when_the_migration_ends_in_the_same_reconcile()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        harness.Routers.HoldAt = 2;
        await harness.SetShardsAsync(3);
        var step = Step();
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.CuttingOver);
        await harness.AnnotateAsync(StreamMigrationStep.CancelAnnotation, StreamMigrationStep.CancelValue);
        harness.Routers.HoldAt = null;

        ReconcileContext? last = null;
        for (var pass = 0; pass < 50 && (await harness.MigrationAsync())!.Phase != ApiMigrationPhase.Done; pass++)
        {
            (_, last) = await harness.ReconcileAsync(step);
        }

        (await harness.MigrationAsync())!.Phase.Should().Be(ApiMigrationPhase.Done);
        var condition = Rebalancing(last!)!;
        condition.Reason.Should().Be(MigrationReasons.CancelRefused, "the reconcile that finished the migration had refused the cancel too");
        condition.Message.Should().Contain("done:").And.Contain("the cancel was refused").And.Contain("cut-over has begun");
        harness.Events.All.Should().Contain(e => e.Reason == "MigrationCancelRefused");
    }

    [Fact]
    public async Task A_failing_shard_is_retried_with_growing_backoff_and_named_in_the_rebalancing_condition()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        await harness.SetShardsAsync(3);
        var step = Step(TimeSpan.Zero);
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Copying);
        harness.Shards.Servers[2].Faults.Down(QdrantDownMode.ServiceUnavailable);

        var (first, context) = await harness.ReconcileAsync(step);
        var (second, _) = await harness.ReconcileAsync(step);

        first.Outcome.Should().Be(StepOutcome.Requeue);
        second.After.Should().BeGreaterThan(first.After!.Value);
        Rebalancing(context)!.Reason.Should().Be(MigrationReasons.ShardUnavailable);
        Rebalancing(context)!.Message.Should().Contain("shard 2");
        var failing = (await harness.MigrationAsync())!;
        failing.ConsecutiveFailures.Should().Be(2);
        failing.LastError.Should().Contain("shard 2");
        harness.Events.All.Should().Contain(e => e.Reason == "MigrationRetrying");

        harness.Shards.Servers[2].Faults.Up();
        var done = await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Done);
        done.Collection.Status!.Migration!.LastError.Should().BeNull();
        (await harness.LocateAsync(3)).Should().OnlyContain(p => p.Value.Count == 1);
    }

    [Fact]
    public async Task A_scale_in_deletes_the_drained_shards_only_after_their_cells_are_served_elsewhere()
    {
        await using var harness = await StepHarness.StartAsync(shards: 4);
        for (var shard = 0; shard < 4; shard++) await harness.CreateShardObjectsAsync(shard);
        await harness.LoadAsync(Ids);
        await harness.SetShardsAsync(2);
        var step = Step(TimeSpan.Zero);
        var observations = new List<(ApiMigrationPhase Phase, bool Exists)>();

        for (var i = 0; i < 400; i++)
        {
            var (_, context) = await harness.ReconcileAsync(step);
            var phase = context.Collection.Status!.Migration!.Phase;
            var exists = await harness.Client.TryGetAsync<StatefulSet>(ChildNames.Shard(StepHarness.Name, 3), StepHarness.Namespace) is not null;
            observations.Add((phase, exists));
            if (phase == ApiMigrationPhase.Done) break;
        }

        observations[^1].Should().Be((ApiMigrationPhase.Done, false));
        observations.Where(o => o.Phase < ApiMigrationPhase.CleaningUp).Should().OnlyContain(o => o.Exists);
        (await harness.Client.TryGetAsync<StatefulSet>(ChildNames.Shard(StepHarness.Name, 1), StepHarness.Namespace)).Should().NotBeNull();
        var table = await harness.PublishedAsync();
        table.Shards.Select(s => s.Id).Should().Equal(0, 1);
        var located = await harness.LocateAsync(4);
        located.Keys.Should().BeEquivalentTo(Ids);
        located.Should().OnlyContain(p => p.Value.Count == 1 && p.Value[0] == table.NewOwner(table.CellOf(PointKey.FromUlong(p.Key))));
    }

    [Fact]
    public async Task A_shard_count_change_during_a_migration_waits_until_it_is_done()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        await harness.SetShardsAsync(3);
        var step = Step(TimeSpan.Zero);
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Copying);

        await harness.SetShardsAsync(4);
        var first = await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Done);
        first.Collection.Status!.Migration!.ToShards.Should().Be(3);
        (await harness.PublishedAsync()).Shards.Should().HaveCount(3);

        var next = await harness.RunUntilAsync(step, m => m.FromShards == 3 && m.Phase == ApiMigrationPhase.Done);
        next.Collection.Status!.Migration!.ToShards.Should().Be(4);
        (await harness.LocateAsync(4)).Should().OnlyContain(p => p.Value.Count == 1);
    }

    [Fact]
    public async Task A_routing_table_that_belongs_to_no_table_of_the_migration_halts_it_without_changes()
    {
        await using var harness = await StepHarness.StartAsync(shards: 2);
        await harness.LoadAsync(Ids);
        await harness.SetShardsAsync(3);
        var step = Step(TimeSpan.Zero);
        await harness.RunUntilAsync(step, m => m.Phase == ApiMigrationPhase.Copying);
        var context = await harness.ContextAsync();
        var foreign = RoutingTable.Create(StepHarness.Name, StepHarness.Namespace, 50, new HashCellAssigner(StepHarness.Slots), QdrantShards.Dimension,
            Routing.Distance.Dot, RebalancePlanner.InitialAssignment(StepHarness.Slots, 5).Shards.Select(s => new RoutingShard(s.Key, $"http://shard-{s.Key}:6333", s.Value)));
        await RoutingTableStep.PublishAsync(context, foreign, "someone else's table", CancellationToken.None);
        var shardsBefore = await harness.LocateAsync(3);

        var (result, after) = await harness.ReconcileAsync(step);

        result.After.Should().Be(new StreamMigrationOptions().HaltRecheck);
        Rebalancing(after)!.Reason.Should().Be(MigrationReasons.Halted);
        (await harness.PublishedAsync()).Version.Should().Be(50);
        (await harness.LocateAsync(3)).Should().BeEquivalentTo(shardsBefore);
    }
}

/// <summary>The initial table of the harness, for expectations.</summary>
internal static class StepHarnessTables
{
    public static Task<RoutingTable> InitialAsync() => Task.FromResult(RoutingTable.Create(StepHarness.Name, StepHarness.Namespace, 1,
        new HashCellAssigner(StepHarness.Slots), QdrantShards.Dimension, Routing.Distance.Dot,
        RebalancePlanner.InitialAssignment(StepHarness.Slots, 2).Shards.Select(s => new RoutingShard(s.Key, $"http://shard-{s.Key}:6333", s.Value))));
}
