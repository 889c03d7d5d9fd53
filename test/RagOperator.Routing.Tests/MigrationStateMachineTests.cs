using FluentAssertions;
using Xunit;
using A = RagOperator.Routing.MigrationActionKind;
using P = RagOperator.Routing.MigrationPhase;
using T = RagOperator.Routing.MigrationTable;

namespace RagOperator.Routing.Tests;

public sealed class MigrationStateMachineTests
{
    /// <summary>Facts of a healthy migration where the published version 10 is acknowledged by every router.</summary>
    private static readonly MigrationFacts Acked = new() { PublishedVersion = 10, AckedVersion = 10 };

    private static readonly MigrationFacts Unacked = Acked with { AckedVersion = 9 };

    public static TheoryData<string, P, MigrationFacts, P, string> Transitions => new()
    {
        { "start", P.Planned, Acked, P.ScalingOut, "ScaleOut" },
        { "new shards not ready", P.ScalingOut, Acked with { AddsShards = true }, P.ScalingOut, "ScaleOut" },
        { "new shards ready", P.ScalingOut, Acked with { AddsShards = true, NewShardsReady = true }, P.ScalingOut, "PublishVersion(ReadOldWriteBoth)" },
        { "no shards to add", P.ScalingOut, Acked, P.ScalingOut, "PublishVersion(ReadOldWriteBoth)" },
        { "write-both not acked", P.ScalingOut, Unacked with { Published = T.ReadOldWriteBoth }, P.ScalingOut, "WaitForAcks(10)" },
        { "write-both acked", P.ScalingOut, Acked with { Published = T.ReadOldWriteBoth }, P.Copying, "CopyBatch" },
        { "copy in progress", P.Copying, Acked with { Published = T.ReadOldWriteBoth }, P.Copying, "CopyBatch" },
        { "copy complete", P.Copying, Acked with { Published = T.ReadOldWriteBoth, CopyComplete = true }, P.Verifying, "VerifyPass" },
        { "verify repaired", P.Verifying, Acked with { Published = T.ReadOldWriteBoth, CopyComplete = true }, P.Verifying, "VerifyPass" },
        { "verify clean", P.Verifying, Acked with { Published = T.ReadOldWriteBoth, CopyComplete = true, LastVerifyPassClean = true }, P.CuttingOver, "PublishVersion(ReadNewWriteBoth)" },
        { "cut-over resumed before publishing", P.CuttingOver, Acked with { Published = T.ReadOldWriteBoth }, P.CuttingOver, "PublishVersion(ReadNewWriteBoth)" },
        { "read-new not acked", P.CuttingOver, Unacked with { Published = T.ReadNewWriteBoth }, P.CuttingOver, "WaitForAcks(10)" },
        { "read-new acked", P.CuttingOver, Acked with { Published = T.ReadNewWriteBoth }, P.Finalizing, "PublishVersion(ReadNewWriteNew)" },
        { "finalizing resumed before publishing", P.Finalizing, Acked with { Published = T.ReadNewWriteBoth }, P.Finalizing, "PublishVersion(ReadNewWriteNew)" },
        { "write-new not acked", P.Finalizing, Unacked with { Published = T.ReadNewWriteNew }, P.Finalizing, "WaitForAcks(10)" },
        { "write-new acked", P.Finalizing, Acked with { Published = T.ReadNewWriteNew }, P.CleaningUp, "DeleteMovedCellsFromSources" },
        { "cleanup waits for write-new acks", P.CleaningUp, Unacked with { Published = T.ReadNewWriteNew }, P.CleaningUp, "WaitForAcks(10)" },
        { "cleanup in progress", P.CleaningUp, Acked with { Published = T.ReadNewWriteNew }, P.CleaningUp, "DeleteMovedCellsFromSources" },
        { "cleanup complete", P.CleaningUp, Acked with { Published = T.ReadNewWriteNew, SourceCleanupComplete = true }, P.CleaningUp, "PublishVersion(StableNew)" },
        { "stable new not acked", P.CleaningUp, Unacked with { Published = T.StableNew, SourceCleanupComplete = true }, P.CleaningUp, "WaitForAcks(10)" },
        { "drained shards to remove", P.CleaningUp, Acked with { Published = T.StableNew, SourceCleanupComplete = true, DrainsShards = true }, P.CleaningUp, "RemoveDrainedShards" },
        { "drained shards removed", P.CleaningUp, Acked with { Published = T.StableNew, SourceCleanupComplete = true, DrainsShards = true, DrainedShardsRemoved = true }, P.Done, "None" },
        { "nothing drained", P.CleaningUp, Acked with { Published = T.StableNew, SourceCleanupComplete = true }, P.Done, "None" },
        { "done stays done", P.Done, Acked with { Published = T.StableNew, CancelRequested = true }, P.Done, "None" },
        { "cancel when planned", P.Planned, Acked with { CancelRequested = true }, P.RolledBack, "None" },
        { "cancel while scaling out", P.ScalingOut, Acked with { CancelRequested = true, AddsShards = true }, P.RollingBack, "DeleteCopiedCellsFromTargets" },
        { "cancel while copying", P.Copying, Acked with { Published = T.ReadOldWriteBoth, CancelRequested = true }, P.RollingBack, "PublishVersion(StableOld)" },
        { "cancel while verifying", P.Verifying, Acked with { Published = T.ReadOldWriteBoth, CancelRequested = true }, P.RollingBack, "PublishVersion(StableOld)" },
        { "rollback table not acked", P.RollingBack, Unacked, P.RollingBack, "WaitForAcks(10)" },
        { "rollback deletes copies", P.RollingBack, Acked, P.RollingBack, "DeleteCopiedCellsFromTargets" },
        { "rollback removes added shards", P.RollingBack, Acked with { TargetCleanupComplete = true, AddsShards = true }, P.RollingBack, "RemoveAddedShards" },
        { "rollback complete", P.RollingBack, Acked with { TargetCleanupComplete = true, AddsShards = true, AddedShardsRemoved = true }, P.RolledBack, "None" },
        { "rolled back stays", P.RolledBack, Acked, P.RolledBack, "None" },
        { "error retries in place", P.Copying, Acked with { Published = T.ReadOldWriteBoth, Error = "shard 2: timeout" }, P.Copying, "RetryAfterError" },
        { "error while rolling back retries", P.RollingBack, Acked with { Error = "boom" }, P.RollingBack, "RetryAfterError" },
        { "table ahead of phase halts", P.Copying, Acked with { Published = T.ReadNewWriteBoth }, P.Copying, "Halt" },
        { "table behind phase halts", P.CleaningUp, Acked with { Published = T.ReadOldWriteBoth }, P.CleaningUp, "Halt" },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Decide_follows_the_transition_table(string because, P phase, MigrationFacts facts, P next, string action)
    {
        var decision = MigrationStateMachine.Decide(phase, facts);

        decision.Next.Should().Be(next, because);
        decision.Action.ToString().Should().Be(action, because);
        decision.Message.Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData(P.CuttingOver, T.ReadNewWriteBoth)]
    [InlineData(P.Finalizing, T.ReadNewWriteNew)]
    [InlineData(P.CleaningUp, T.ReadNewWriteNew)]
    public void A_cancel_after_the_cut_over_has_begun_is_refused_with_the_reason_and_the_migration_goes_on(P phase, T published)
    {
        var facts = Acked with { Published = published, CancelRequested = true };

        var decision = MigrationStateMachine.Decide(phase, facts);

        decision.CancelRefused.Should().BeTrue();
        decision.Message.Should().Contain("cancel refused").And.Contain("old owners may miss acknowledged writes");
        decision.Should().BeEquivalentTo(MigrationStateMachine.Decide(phase, facts with { CancelRequested = false }),
            o => o.Excluding(d => d.Message).Excluding(d => d.CancelRefused));
    }

    [Fact]
    public void Every_combination_of_facts_keeps_the_protocol_invariants()
    {
        // Plain checks collected into a list: assertion libraries are too slow for 100 000 decisions.
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var phase in Enum.GetValues<P>())
        {
            foreach (var facts in AllFacts())
            {
                var decision = MigrationStateMachine.Decide(phase, facts);
                checkedCount++;
                void Require(bool ok, string rule)
                {
                    if (!ok && failures.Count < 20)
                    {
                        failures.Add($"{rule}: {phase} with {facts} -> {decision}");
                    }
                }

                Require(!string.IsNullOrWhiteSpace(decision.Message), "every decision explains itself");
                if (MigrationStateMachine.IsTerminal(phase))
                {
                    Require(decision.Next == phase && decision.Action.Kind == A.None, "terminal phases never act");
                    continue;
                }

                if (!MigrationStateMachine.AllowedTables[phase].Contains(facts.Published))
                {
                    Require(decision.Next == phase && decision.Action.Kind == A.Halt, "a table the phase does not allow halts without moving on");
                    continue;
                }

                Require(decision.Action.Kind != A.Halt, "consistent facts never halt");

                if (decision.Next != phase)
                {
                    var forward = decision.Next == phase + 1 && phase < P.Done;
                    var toRollback = facts.CancelRequested && MigrationStateMachine.CanCancel(phase) && decision.Next is P.RollingBack or P.RolledBack;
                    var rollbackDone = phase == P.RollingBack && decision.Next == P.RolledBack;
                    Require(forward || toRollback || rollbackDone, "phases only move forward, or to rollback on a cancel before the cut-over");
                }

                if (facts.CancelRequested && phase != P.RollingBack)
                {
                    Require(decision.CancelRefused == !MigrationStateMachine.CanCancel(phase), "a cancel is refused exactly from the cut-over on");
                    Require(!MigrationStateMachine.CanCancel(phase) || decision.Next is P.RollingBack or P.RolledBack, "an accepted cancel rolls back");
                }
                else
                {
                    Require(!decision.CancelRefused, "no refusal without a cancel");
                }

                if (facts.Error is not null && !(facts.CancelRequested && MigrationStateMachine.CanCancel(phase)))
                {
                    Require(decision.Next == phase && decision.Action.Kind == A.RetryAfterError, "a failed step is retried in place");
                }

                if (decision.Next != phase && decision.Next is not (P.RollingBack or P.RolledBack) && phase != P.Planned)
                {
                    Require(facts.RoutersAcked, "a phase is left only when every router acknowledged the published version");
                }

                if (decision.Action is { Kind: A.PublishVersion, Table: T.ReadNewWriteBoth })
                {
                    Require(facts.LastVerifyPassClean || phase == P.CuttingOver, "reads move to the new owners only after a clean verify pass");
                }

                if (decision.Action.Kind == A.DeleteMovedCellsFromSources)
                {
                    Require(facts.RoutersAcked && facts.Published is T.ReadNewWriteNew or T.StableNew, "sources are cleaned only when no router writes them");
                }

                if (decision.Action.Kind == A.DeleteCopiedCellsFromTargets)
                {
                    Require(facts.RoutersAcked && facts.Published == T.StableOld, "targets are cleaned only when no router writes them");
                }

                if (decision.Action is { Kind: A.PublishVersion, Table: T.StableNew })
                {
                    Require(facts.SourceCleanupComplete, "the stable table (which excludes nothing) waits for source cleanup");
                }

                if (decision.Action.Kind == A.RemoveDrainedShards)
                {
                    Require(facts.SourceCleanupComplete && facts.Published == T.StableNew && facts.RoutersAcked, "drained shards go only after the stable table is served");
                }

                if (decision.Action.Kind == A.WaitForAcks)
                {
                    Require(decision.Action.Version == facts.PublishedVersion && !facts.RoutersAcked, "waiting is for the published version, and only while it is not acknowledged");
                }
            }
        }

        failures.Should().BeEmpty();
        checkedCount.Should().Be(Enum.GetValues<P>().Length * AllFacts().Count());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_simulated_migration_runs_from_planned_to_done(bool addsShards, bool drainsShards)
    {
        var world = new World { AddsShards = addsShards, DrainsShards = drainsShards };

        var trace = world.Run(P.Planned);

        trace.Last().Should().Be(P.Done);
        world.Published.Should().Be(T.StableNew);
        world.PublishedOrder.Should().Equal(T.ReadOldWriteBoth, T.ReadNewWriteBoth, T.ReadNewWriteNew, T.StableNew);
        world.CopyBatches.Should().Be(3);
        world.VerifyPasses.Should().Be(2, "the first pass repairs, the second is clean");
        world.DrainedRemoved.Should().Be(drainsShards);
    }

    [Theory]
    [InlineData(P.ScalingOut)]
    [InlineData(P.Copying)]
    [InlineData(P.Verifying)]
    public void A_cancel_before_the_cut_over_rolls_back_to_the_old_ownership(P cancelIn)
    {
        var world = new World { AddsShards = true, CancelIn = cancelIn };

        var trace = world.Run(P.Planned);

        trace.Last().Should().Be(P.RolledBack);
        world.Published.Should().Be(T.StableOld);
        if (world.PublishedOrder.Contains(T.ReadOldWriteBoth))
        {
            world.PublishedOrder.Should().EndWith(T.StableOld, "the old ownership is published again with a higher version");
        }
        world.TargetsCleaned.Should().BeTrue();
        world.AddedRemoved.Should().BeTrue();
        world.PublishedOrder.Should().NotContain([T.ReadNewWriteBoth, T.ReadNewWriteNew, T.StableNew]);
    }

    [Theory]
    [InlineData(P.CuttingOver)]
    [InlineData(P.Finalizing)]
    [InlineData(P.CleaningUp)]
    public void A_cancel_after_the_cut_over_is_refused_and_the_migration_finishes(P cancelIn)
    {
        var world = new World { CancelIn = cancelIn };

        var trace = world.Run(P.Planned);

        trace.Last().Should().Be(P.Done);
        world.Refusals.Should().BeGreaterThan(0);
    }

    [Fact]
    public void A_restart_between_recording_a_phase_and_acting_on_it_resumes_to_done()
    {
        // Crash at every step in turn: the phase is recorded but its action never happened.
        for (var crashAt = 0; crashAt < 25; crashAt++)
        {
            var world = new World { AddsShards = true, DrainsShards = true, CrashAfterSteps = crashAt };
            world.Run(P.Planned).Last().Should().Be(P.Done, $"crash after {crashAt} steps");
            world.PublishedOrder.Should().Equal(T.ReadOldWriteBoth, T.ReadNewWriteBoth, T.ReadNewWriteNew, T.StableNew);
        }
    }

    private static IEnumerable<MigrationFacts> AllFacts()
    {
        foreach (var published in Enum.GetValues<T>())
        {
            for (var bits = 0; bits < 1 << 11; bits++)
            {
                bool Bit(int i) => ((bits >> i) & 1) == 1;
                yield return new MigrationFacts
                {
                    Published = published,
                    PublishedVersion = 10,
                    AckedVersion = Bit(0) ? 10 : 9,
                    AddsShards = Bit(1),
                    NewShardsReady = Bit(2),
                    CopyComplete = Bit(3),
                    LastVerifyPassClean = Bit(4),
                    SourceCleanupComplete = Bit(5),
                    DrainsShards = Bit(6),
                    DrainedShardsRemoved = Bit(7),
                    TargetCleanupComplete = Bit(8),
                    CancelRequested = Bit(9),
                    Error = Bit(10) ? "shard 1 timed out" : null,
                };
            }
        }
    }

    /// <summary>
    /// A toy cluster that carries out actions: publishing takes one step to be acknowledged, the copy takes three
    /// batches, the first verify pass repairs and the second is clean.
    /// </summary>
    private sealed class World
    {
        public bool AddsShards { get; init; }

        public bool DrainsShards { get; init; }

        public P? CancelIn { get; init; }

        public int CrashAfterSteps { get; init; } = int.MaxValue;

        public T Published { get; private set; } = T.StableOld;

        public long PublishedVersion { get; private set; } = 1;

        public List<T> PublishedOrder { get; } = [];

        public int CopyBatches { get; private set; }

        public int VerifyPasses { get; private set; }

        public bool DrainedRemoved { get; private set; }

        public bool TargetsCleaned { get; private set; }

        public bool AddedRemoved { get; private set; }

        public int Refusals { get; private set; }

        private long acked = 1;
        private bool shardsReady;
        private bool lastPassClean;
        private bool sourcesCleaned;
        private bool cancel;

        public List<P> Run(P phase)
        {
            var trace = new List<P> { phase };
            for (var step = 0; step < 100 && !MigrationStateMachine.IsTerminal(phase); step++)
            {
                cancel |= phase == CancelIn;

                // Routers acknowledge a published table one step after it appears.
                var facts = new MigrationFacts
                {
                    Published = Published,
                    PublishedVersion = PublishedVersion,
                    AckedVersion = acked,
                    AddsShards = AddsShards,
                    DrainsShards = DrainsShards,
                    NewShardsReady = shardsReady,
                    CopyComplete = CopyBatches >= 3,
                    LastVerifyPassClean = lastPassClean,
                    SourceCleanupComplete = sourcesCleaned,
                    DrainedShardsRemoved = DrainedRemoved,
                    TargetCleanupComplete = TargetsCleaned,
                    AddedShardsRemoved = AddedRemoved,
                    CancelRequested = cancel,
                };
                acked = PublishedVersion;
                var decision = MigrationStateMachine.Decide(phase, facts);
                decision.Action.Kind.Should().NotBe(A.Halt, decision.Message);
                Refusals += decision.CancelRefused ? 1 : 0;
                phase = decision.Next;
                trace.Add(phase);

                // The runner records the phase first, then acts; a crash in between loses only the action.
                if (step != CrashAfterSteps)
                {
                    Apply(decision.Action);
                }
            }

            return trace;
        }

        private void Apply(MigrationAction action)
        {
            switch (action.Kind)
            {
                case A.ScaleOut: shardsReady = true; break;
                case A.PublishVersion:
                    Published = action.Table!.Value;
                    PublishedVersion++;
                    PublishedOrder.Add(Published);
                    break;
                case A.CopyBatch: CopyBatches++; break;
                case A.VerifyPass: lastPassClean = ++VerifyPasses >= 2; break;
                case A.DeleteMovedCellsFromSources: sourcesCleaned = true; break;
                case A.RemoveDrainedShards: DrainedRemoved = true; break;
                case A.DeleteCopiedCellsFromTargets: TargetsCleaned = true; break;
                case A.RemoveAddedShards: AddedRemoved = true; break;
                case A.WaitForAcks or A.None: break;
                default: throw new InvalidOperationException($"unexpected action {action}");
            }
        }
    }
}
