using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Operator.Seams;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;
using RoutingMigrationPhase = RagOperator.Routing.MigrationPhase;

namespace RagOperator.Operator.Migration;

/// <summary>
/// One reconcile's worth of a migration: reads the collection and the routing table fresh from the API server (the
/// informer cache may lag behind the step's own writes), asks <see cref="MigrationStateMachine"/> what to do, records
/// the decided phase, acts, and repeats until it must wait, its work budget is spent, or the migration ends.
/// </summary>
internal sealed partial class MigrationRun(ReconcileContext context, StreamMigrationStep step, MigrationMemory memory)
{
    internal const string Pending = "Pending";
    internal const string Copying = "Copying";
    internal const string Copied = "Copied";
    internal const string Verified = "Verified";
    internal const string Cleaned = "Cleaned";
    internal const string Reverted = "Reverted";

    private readonly StreamMigrationOptions options = step.Options;
    private readonly TimeProvider time = context.Services.Time;
    private readonly long startedAt = context.Services.Time.GetTimestamp();
    private MigrationStatus migration = null!;
    private RoutingTable table = null!;
    private MigrationTables tables = null!;
    private MigrationFacts facts = new();
    private string? cancelRefusal;

    private string Ns => context.Namespace;

    private string Collection => context.Name;

    private TimeSpan Remaining => options.WorkBudget - time.GetElapsedTime(startedAt);

    public async Task<StepResult> RunAsync(CancellationToken cancellationToken)
    {
        var fresh = await context.Services.Client.TryGetAsync<VectorCollection>(Collection, Ns, cancellationToken);
        if (fresh is null) return StepResult.Continue;
        context.Collection = fresh;
        var published = await ReadRoutingTableAsync(context, cancellationToken);
        if (published is null) return StepResult.Continue;
        context.Table = table = published;

        var recorded = fresh.Status?.Migration;
        try
        {
            if (recorded is null || StreamMigrationStep.IsTerminal(recorded.Phase))
            {
                if (await StartAsync(recorded, cancellationToken) is { } notStarted) return notStarted;
            }
            else
            {
                migration = KubernetesJson.Clone(recorded);
            }

            memory.Reset(migration.Id!);
            return await DriveAsync(cancellationToken);
        }
        catch (Exception e) when (IsRetryable(e, cancellationToken))
        {
            return await FailedAsync(e, cancellationToken);
        }
    }

    /// <summary>The routing table as the API server has it now (null when missing or unreadable).</summary>
    internal static async Task<RoutingTable?> ReadRoutingTableAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var map = await context.Services.Client.TryGetAsync<ConfigMap>(ChildNames.RoutingConfigMap(context.Name), context.Namespace, cancellationToken);
        return ObserveRoutingStep.Parse(map, out _);
    }

    /// <summary>Plans a new migration when spec.shards and the stable table disagree; otherwise says why none starts.</summary>
    private async Task<StepResult?> StartAsync(MigrationStatus? last, CancellationToken cancellationToken)
    {
        if (!table.IsStable)
        {
            return await HaltAsync(
                $"routing table v{table.Version} carries migration {table.Migration!.Id} but status.migration records no running migration " +
                "(was status edited?); the operator changes nothing until the table or status is restored", cancellationToken);
        }

        var semantic = await StartSemanticAsync(cancellationToken);
        if (semantic.Started) return null;
        if (semantic.Stop is { } stop) return stop;

        var from = table.Shards.Length;
        var to = context.Spec.Shards;
        if (from == to)
        {
            Report.Idle(context, last);
            return StepResult.Continue;
        }

        if (StreamMigrationStep.IsCancelRequested(context.Collection))
        {
            var message = $"spec.shards is {to} but the routing table has {from} shards, and the annotation {StreamMigrationStep.CancelAnnotation}=" +
                          $"{StreamMigrationStep.CancelValue} keeps a new migration from starting: remove the annotation to rebalance, or set spec.shards back to {from}";
            Report.Set(context, false, MigrationReasons.Cancelled, message);
            context.Facts.RebalanceMessage = message;
            return StepResult.Continue;
        }

        // Keeps an autoscaler writing spec.shards through /scale from chaining migrations back to back.
        if (last?.CompletedAt is { } ended && RebalanceIntervals.Parse(context.Spec.Rebalance.MinInterval) is { } minInterval
            && ended + minInterval - context.Services.Time.GetUtcNow() is var wait && wait > TimeSpan.Zero)
        {
            var message = string.Create(CultureInfo.InvariantCulture,
                $"spec.shards is {to} but the routing table has {from} shards; the next migration starts at {ended + minInterval:yyyy-MM-ddTHH:mm:ssZ}, " +
                $"rebalance.minInterval ({context.Spec.Rebalance.MinInterval}) after migration {last.Id} ended");
            Report.Set(context, false, MigrationReasons.MinIntervalNotElapsed, message);
            context.Facts.RebalanceMessage = message;
            context.Facts.RequeueWithin(wait);
            return StepResult.Continue;
        }

        var points = context.Facts.Shards.Where(s => s.Points is not null).ToDictionary(s => s.Index, s => s.Points!.Value);
        RebalancePlan plan;
        try
        {
            plan = await PlanAsync(to, points.Count > 0 ? points : null, cancellationToken);
        }
        catch (ArgumentException e)
        {
            return await HaltAsync($"cannot plan {from} -> {to} shards: {e.Message}", cancellationToken);
        }

        migration = new MigrationStatus
        {
            Id = string.Create(CultureInfo.InvariantCulture, $"{Collection}-{from}to{to}-v{table.Version}"),
            Phase = ApiMigrationPhase.Planned,
            FromShards = from,
            ToShards = to,
            FromVersion = table.Version,
            TargetGeneration = context.Collection.Metadata.Generation,
            StartedAt = Now(),
            Moves = [.. plan.Moves.Select(m => new MigrationMove { Cells = m.Cells.ToString(), From = m.From, To = m.To, State = Pending })],
            Progress = new MigrationProgress { PointsEstimated = await CountMovingPointsAsync(plan, cancellationToken) },
            Message = $"planned: {plan.Summary}",
        };
        await SaveAsync(cancellationToken);
        var moves = string.Join("; ", plan.Moves.Take(8).Select(m => $"cells {m.Cells} {m.From}->{m.To}")) + (plan.Moves.Length > 8 ? "; ..." : "");
        context.Logger.LogInformation("Planned migration {Migration}: {Summary}", migration.Id, plan.Summary);
        await EventAsync(Event.Normal, "MigrationPlanned", $"Planned migration {migration.Id}: {plan.Summary}. Moves: {moves}", cancellationToken);
        return null;
    }

    /// <summary>
    /// The points in the moving cells now, counted on the sources with the cell filter (one exact count per move):
    /// the copy's progress and ETA are measured against it. Writes during the copy make it an estimate.
    /// </summary>
    private async Task<long> CountMovingPointsAsync(RebalancePlan plan, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var move in plan.Moves)
        {
            total += (long)await Shard(move.From).CountAsync(Collection, MigrationFilters.Cells(move.Cells, table.Assigner.KeyOffset), cancellationToken);
        }

        return total;
    }

    private async Task<StepResult> DriveAsync(CancellationToken cancellationToken)
    {
        for (var decisions = 0; decisions < options.MaxDecisionsPerReconcile; decisions++)
        {
            if (await TablesAsync(cancellationToken) is not { } current)
            {
                return await HaltAsync(
                    $"the partition ConfigMap {PartitionStore.Name(Collection, migration.Generation ?? 0)} of re-partition {migration.Id} is missing or unreadable; " +
                    "it holds the trained centroids and cannot be rebuilt: restore it, or clear status.migration and the routing table by hand", cancellationToken);
            }

            tables = current;
            if (tables.PublishedKind is null)
            {
                return await HaltAsync(
                    $"routing table v{table.Version} is none of the tables of migration {migration.Id} (its moved cells are neither all on their " +
                    "sources nor all on their targets); the operator changes nothing until the table is restored", cancellationToken);
            }

            facts = await FactsAsync(cancellationToken);
            var decision = MigrationStateMachine.Decide(ToRouting(migration.Phase), facts);
            if (decision.CancelRefused) cancelRefusal = decision.Message;
            if (IsRepartition && StreamMigrationStep.IsCancelRequested(context.Collection))
            {
                cancelRefusal = $"a re-partition cannot be cancelled: sources already carry the new cell keys, so rolling back would have to " +
                                $"re-stamp every point; it finishes, then remove the annotation {StreamMigrationStep.CancelAnnotation}";
            }

            await RecordAsync(decision, cancellationToken);
            if (StreamMigrationStep.IsTerminal(migration.Phase)) return await FinishAsync(cancellationToken);

            var wait = await ActAsync(decision, cancellationToken);
            if (migration.ConsecutiveFailures > 0)
            {
                // The step that kept failing went through: the error is history.
                migration.ConsecutiveFailures = 0;
                migration.LastError = null;
                await SaveAsync(cancellationToken);
            }

            if (wait is not null)
            {
                await ShowAsync(decision.Message, cancellationToken);
                return wait;
            }

            if (Remaining <= TimeSpan.Zero)
            {
                await ShowAsync(decision.Message, cancellationToken);
                return StepResult.RequeueAfter(TimeSpan.Zero, "migration work budget spent");
            }
        }

        await ShowAsync(migration.Message ?? "", cancellationToken);
        return StepResult.RequeueAfter(TimeSpan.Zero, "migration decision budget spent");
    }

    private async Task<MigrationFacts> FactsAsync(CancellationToken cancellationToken)
    {
        var acks = await context.Services.RouterAcks.QueryAsync(Ns, Collection, context.RouterApiKey, context.ShardTrust, cancellationToken);
        var phase = migration.Phase;
        var moves = migration.Moves ?? [];
        return new MigrationFacts
        {
            Published = tables.PublishedKind!.Value,
            PublishedVersion = table.Version,
            AckedVersion = acks.AllServe(table.Version) ? table.Version : acks.MinimumVersion ?? 0,
            AddsShards = tables.AddedShards.Count > 0,
            DrainsShards = tables.DrainedShards.Count > 0,
            NewShardsReady = tables.AddedShards.All(index => context.Facts.Shards.Any(s => s.Index == index && s.Ready)),
            CopyComplete = moves.All(m => m.State is not (Pending or Copying)),
            LastVerifyPassClean = migration.VerifyPasses > 0 && migration.LastVerifyRepairs == 0 && moves.All(m => m.State == Verified),
            SourceCleanupComplete = moves.All(m => m.State == Cleaned),
            TargetCleanupComplete = moves.All(m => m.State == Reverted),
            DrainedShardsRemoved = phase == ApiMigrationPhase.CleaningUp && await AllGoneAsync(ToRemove(tables.DrainedShards), cancellationToken),
            AddedShardsRemoved = phase == ApiMigrationPhase.RollingBack && await AllGoneAsync(ToRemove(tables.AddedShards), cancellationToken),
            // A re-partition cannot be rolled back (see SemanticSharding); its cancel is reported, not acted on.
            CancelRequested = StreamMigrationStep.IsCancelRequested(context.Collection) && !IsRepartition,
        };
    }

    /// <summary>Records the decided phase (before its action runs, as the state machine requires) when anything changed.</summary>
    private async Task RecordAsync(MigrationDecision decision, CancellationToken cancellationToken)
    {
        var next = ToApi(decision.Next);
        var previous = migration.Phase;
        if (next == previous && decision.Message == migration.Message) return;
        migration.Phase = next;
        migration.Message = decision.Message;
        if (StreamMigrationStep.IsTerminal(next)) Finalise();
        await SaveAsync(cancellationToken);
        if (next == previous) return;
        context.Logger.LogInformation("Migration {Migration}: {From} -> {To}: {Message}", migration.Id, previous, next, decision.Message);
        var (type, reason) = next switch
        {
            ApiMigrationPhase.Done => (Event.Normal, "MigrationDone"),
            ApiMigrationPhase.RolledBack => (Event.Normal, "MigrationRolledBack"),
            ApiMigrationPhase.RollingBack => (Event.Warning, "MigrationRollingBack"),
            _ => (Event.Normal, "MigrationPhase"),
        };
        var note = StreamMigrationStep.IsTerminal(next) ? migration.Message! : $"Migration {migration.Id}: {previous} -> {next}: {decision.Message}";
        await EventAsync(type, reason, note, cancellationToken);
    }

    private async Task<StepResult?> ActAsync(MigrationDecision decision, CancellationToken cancellationToken)
    {
        var action = decision.Action;
        switch (action.Kind)
        {
            case MigrationActionKind.None:
                return StepResult.Continue;
            case MigrationActionKind.ScaleOut:
                // The reconciler's own steps create the shards and their collections; the migration only waits.
                return facts.AddsShards && !facts.NewShardsReady ? StepResult.RequeueAfter(options.ShardPoll, "waiting for the new shards") : null;
            case MigrationActionKind.PublishVersion:
                await PublishAsync(action.Table!.Value, cancellationToken);
                return null;
            case MigrationActionKind.WaitForAcks:
                return await WaitForAcksAsync(action.Version ?? table.Version, cancellationToken)
                    ? null
                    : StepResult.RequeueAfter(options.AckPoll, "waiting for router acknowledgements");
            case MigrationActionKind.CopyBatch:
                return await CopyAsync(cancellationToken) ? null : StepResult.RequeueAfter(TimeSpan.Zero, "copying");
            case MigrationActionKind.VerifyPass:
                return await VerifyAsync(cancellationToken) ? null : StepResult.RequeueAfter(TimeSpan.Zero, "verifying");
            case MigrationActionKind.DeleteMovedCellsFromSources:
                await DeleteMovedCellsAsync(toState: Cleaned, shardOf: m => m.From, cancellationToken);
                return null;
            case MigrationActionKind.DeleteCopiedCellsFromTargets:
                await DeleteMovedCellsAsync(toState: Reverted, shardOf: m => m.To, cancellationToken);
                return null;
            case MigrationActionKind.RemoveDrainedShards:
                await RemoveShardsAsync(tables.DrainedShards, cancellationToken);
                return null;
            case MigrationActionKind.RemoveAddedShards:
                await RemoveShardsAsync(tables.AddedShards, cancellationToken);
                return null;
            case MigrationActionKind.Halt:
                return await HaltAsync(decision.Message, cancellationToken);
            default:
                return StepResult.RequeueAfter(options.Backoff(Math.Max(1, migration.ConsecutiveFailures)), decision.Message);
        }
    }

    /// <summary>
    /// Asks the routers a few times within <see cref="StreamMigrationOptions.AckWait"/> (a router swaps tables within
    /// milliseconds of the ConfigMap change), so a publish does not always cost a requeue.
    /// </summary>
    private async Task<bool> WaitForAcksAsync(long version, CancellationToken cancellationToken)
    {
        var waitUntil = time.GetTimestamp();
        while (time.GetElapsedTime(waitUntil) < options.AckWait)
        {
            await Task.Delay(options.AckWaitInterval, time, cancellationToken);
            var acks = await context.Services.RouterAcks.QueryAsync(Ns, Collection, context.RouterApiKey, context.ShardTrust, cancellationToken);
            if (acks.AllServe(version)) return true;
        }

        return false;
    }

    private async Task PublishAsync(MigrationTable kind, CancellationToken cancellationToken)
    {
        var version = Math.Max(table.Version, HistoryMax()) + 1;
        var next = tables.Build(kind, version);
        await RoutingTableStep.PublishAsync(context, next,
            $"Published routing table v{version} for migration {migration.Id}: {Describe(kind)}", cancellationToken);
        table = next;
    }

    /// <summary>Copies batches of the moves not yet copied until the budget is spent; true when every move is copied.</summary>
    private async Task<bool> CopyAsync(CancellationToken cancellationToken)
    {
        var rebalance = context.Spec.Rebalance;

        // Every ready router writes both owners by now (the state machine checked), so whatever is written from here
        // on reaches the target anyway: the copy need not read it. Recorded, so a restarted operator uses the same bound.
        migration.CopyWatermark ??= WriteVersion.Compose(
            Math.Clamp((long)(time.GetUtcNow() + options.ClockSkewAllowance - WriteVersion.Epoch).TotalMilliseconds, 0, WriteVersion.MaxPhysicalMillis), 0, 0);
        var copyOptions = new CopyOptions
        {
            BatchSize = rebalance.BatchSize,
            Limiter = Limiter(rebalance.MaxPointsPerSecond),
            Watermark = migration.CopyWatermark,
            Time = time,
        };
        foreach (var move in (migration.Moves ?? []).Where(m => m.State is Pending or Copying))
        {
            move.State = Copying;
            var copier = Copier(move, copyOptions);
            var slice = await copier.CopyAsync(Offset(move.Checkpoint), async (batch, token) =>
            {
                move.PointsCopied += batch.Scanned;
                move.Checkpoint = batch.NextOffset?.ToString();
                if (batch.Finished) move.State = Copied;
                step.Metrics.Copied(Ns, Collection, batch.Upserted, batch.Scanned);
                UpdateProgress();
                await SaveAsync(token);
            }, Remaining, cancellationToken);
            if (slice.Elapsed > TimeSpan.Zero && slice.Scanned > 0)
            {
                var rate = slice.Scanned / slice.Elapsed.TotalSeconds;
                memory.Rate = memory.Rate == 0 ? rate : (0.7 * memory.Rate) + (0.3 * rate);
            }

            if (!slice.Finished) break;
        }

        UpdateProgress();
        await ProgressEventAsync(cancellationToken);
        return (migration.Moves ?? []).All(m => m.State == Copied);
    }

    /// <summary>
    /// Verify windows over the moves not yet verified in this pass until the budget is spent; true when the pass
    /// ended (clean or not). A pass that repaired something starts the next one from the beginning.
    /// </summary>
    private async Task<bool> VerifyAsync(CancellationToken cancellationToken)
    {
        var moves = migration.Moves ?? [];
        foreach (var move in moves.Where(m => m.State == Copied))
        {
            var verifier = Verifier(move);
            while (true)
            {
                var window = await verifier.VerifyWindowAsync(Offset(move.VerifyCheckpoint), migration.PassRepairs == 0, cancellationToken);
                migration.PassRepairs += window.Repairs.Count;
                move.VerifyCheckpoint = window.NextOffset?.ToString();
                if (window.Finished) move.State = Verified;
                foreach (var kind in window.Repairs.GroupBy(r => r.Kind))
                {
                    context.Logger.LogInformation("Verify of {Migration} cells {Cells} {From}->{To}: {Kind} for {Count} points (e.g. {Example})",
                        migration.Id, move.Cells, move.From, move.To, kind.Key, kind.Count(), kind.First().Id);
                }

                await SaveAsync(cancellationToken);
                if (window.Finished) break;
                if (Remaining <= TimeSpan.Zero) return false;
            }
        }

        migration.VerifyPasses++;
        migration.LastVerifyRepairs = migration.PassRepairs;
        migration.TotalRepairs += migration.PassRepairs;
        migration.PassRepairs = 0;
        if (migration.LastVerifyRepairs > 0)
        {
            foreach (var move in moves)
            {
                move.State = Copied;
                move.VerifyCheckpoint = null;
            }
        }

        await SaveAsync(cancellationToken);
        var outcome = migration.LastVerifyRepairs == 0
            ? "clean: source and target hold the same points and versions"
            : $"repaired {migration.LastVerifyRepairs} differences; verifying again";
        await EventAsync(Event.Normal, "MigrationVerified", $"Migration {migration.Id}: verify pass {migration.VerifyPasses} {outcome}", cancellationToken);
        return true;
    }

    /// <summary>
    /// Deletes each move's cells from one side (sources after the cut-over, targets in a rollback) with a
    /// <c>_rag_cell</c> filter, and marks the move. A rollback before any table with the new shards was published
    /// wrote nothing to the targets, so there is nothing to delete.
    /// </summary>
    private async Task DeleteMovedCellsAsync(string toState, Func<MigrationMove, int> shardOf, CancellationToken cancellationToken)
    {
        var nothingWritten = toState == Reverted && table.IsStable && table.Version == migration.FromVersion;
        foreach (var move in (migration.Moves ?? []).Where(m => m.State != toState))
        {
            if (!nothingWritten)
            {
                try
                {
                    await Shard(shardOf(move)).DeleteByFilterAsync(Collection, CleanupFilter(move), WriteOptions.Default, cancellationToken);
                }
                catch (QdrantException e) when (e.IsNotFound && toState == Reverted)
                {
                    // An added shard whose collection was never created holds no copies.
                }
            }

            move.State = toState;
            move.Checkpoint = null;
            move.VerifyCheckpoint = null;
            await SaveAsync(cancellationToken);
        }
    }

    private async Task RemoveShardsAsync(IReadOnlyList<int> shards, CancellationToken cancellationToken)
    {
        foreach (var shard in ToRemove(shards))
        {
            if (!await ShardRemoval.IsGoneAsync(context, shard, cancellationToken)) await ShardRemoval.RemoveAsync(context, shard, cancellationToken);
        }
    }

    /// <summary>Shards a migration may delete: those spec.shards no longer asks for (a queued spec change may want them back).</summary>
    private IEnumerable<int> ToRemove(IReadOnlyList<int> shards) => shards.Where(index => index >= context.Spec.Shards);

    private async Task<bool> AllGoneAsync(IEnumerable<int> shards, CancellationToken cancellationToken)
    {
        foreach (var shard in shards)
        {
            if (!await ShardRemoval.IsGoneAsync(context, shard, cancellationToken)) return false;
        }

        return true;
    }

    private async Task<StepResult> FinishAsync(CancellationToken cancellationToken)
    {
        // A re-partition can run to its end within one reconcile, before any running state was written: the refused
        // cancel is then said with the result, so it is never left unanswered.
        Report.Terminal(context, migration, cancelRefusal);
        if (cancelRefusal is not null && !memory.CancelRefusedReported)
        {
            memory.CancelRefusedReported = true;
            await EventAsync(Event.Warning, "MigrationCancelRefused", cancelRefusal, cancellationToken);
        }

        step.Metrics.Observe(Ns, Collection, migration.Phase, 0);

        // A spec change queued during the migration starts the next one right away.
        return table.IsStable && table.Shards.Length != context.Spec.Shards
            ? StepResult.RequeueAfter(TimeSpan.Zero, "spec.shards changed during the migration")
            : StepResult.Continue;
    }

    private void Finalise()
    {
        migration.CompletedAt ??= Now();
        var elapsed = migration.CompletedAt.Value - (migration.StartedAt ?? migration.CompletedAt.Value);
        var copied = (migration.Moves ?? []).Sum(m => m.PointsCopied);
        if (migration.Progress is { } progress)
        {
            progress.EtaSeconds = null;
            progress.PointsPerSecond = 0;
        }

        migration.Message = migration.Phase == ApiMigrationPhase.Done
            ? string.Create(CultureInfo.InvariantCulture,
                $"migration {migration.Id} done: {migration.FromShards} -> {migration.ToShards} shards, {migration.Moves?.Count ?? 0} moves, {copied} points copied in {elapsed.TotalSeconds:0.0} s, {migration.VerifyPasses} verify passes repairing {migration.TotalRepairs} differences")
            : table.Version == migration.FromVersion
                ? $"migration {migration.Id} cancelled before any routing table of it was published; nothing changed"
                : string.Create(CultureInfo.InvariantCulture,
                    $"migration {migration.Id} rolled back after {elapsed.TotalSeconds:0.0} s: routing table v{table.Version} has the old ownership over {migration.FromShards} shards and the copied cells were deleted from the targets");
    }

    private async Task<StepResult> FailedAsync(Exception error, CancellationToken cancellationToken)
    {
        if (migration is null)
        {
            // Failed before a migration was recorded: nothing to checkpoint; plan again next time.
            var text = $"planning a migration failed: {Describe(error)}; retrying in {options.RetryBase.TotalSeconds:0.0} s";
            Report.Set(context, true, MigrationReasons.ApiError, text);
            context.Facts.RebalanceMessage = text;
            return StepResult.RequeueAfter(options.RetryBase, text);
        }

        migration.ConsecutiveFailures++;
        migration.LastError = Describe(error);
        var delay = options.Backoff(migration.ConsecutiveFailures);
        try
        {
            await SaveAsync(cancellationToken);
        }
        catch (Exception e) when (IsRetryable(e, cancellationToken))
        {
            context.Logger.LogInformation("Could not record the migration error: {Error}", e.Message);
        }

        var reason = error is QdrantException ? MigrationReasons.ShardUnavailable : MigrationReasons.ApiError;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"{migration.Phase} failed: {migration.LastError}; retrying in {delay.TotalSeconds:0.0} s (attempt {migration.ConsecutiveFailures})");
        Report.Running(context, migration, reason, message);
        step.Metrics.Observe(Ns, Collection, migration.Phase, memory.Rate);
        context.Logger.LogWarning("Migration {Migration} {Phase} failed (attempt {Attempt}), retrying in {Delay}: {Error}",
            migration.Id, migration.Phase, migration.ConsecutiveFailures, delay, migration.LastError);
        if (memory.LastErrorEvent != migration.LastError)
        {
            memory.LastErrorEvent = migration.LastError;
            await EventAsync(Event.Warning, "MigrationRetrying", message, CancellationToken.None);
        }

        return StepResult.RequeueAfter(delay, message);
    }

    private async Task<StepResult> HaltAsync(string message, CancellationToken cancellationToken)
    {
        Report.Set(context, true, MigrationReasons.Halted, message);
        context.Facts.Rebalancing = migration is not null;
        context.Facts.RebalanceMessage = message;
        context.Logger.LogError("Migration halted: {Message}", message);
        if (memory.LastErrorEvent != message)
        {
            memory.LastErrorEvent = message;
            await EventAsync(Event.Warning, "MigrationHalted", message, cancellationToken);
        }

        return StepResult.RequeueAfter(options.HaltRecheck, message);
    }

    /// <summary>States the running migration in the Rebalancing condition, the phase, and the metrics.</summary>
    private async Task ShowAsync(string message, CancellationToken cancellationToken)
    {
        var text = migration.Phase is ApiMigrationPhase.Copying ? $"{message}; copied {Report.Progress(migration)}" : message;
        if (cancelRefusal is not null)
        {
            Report.Running(context, migration, MigrationReasons.CancelRefused, cancelRefusal);
            if (!memory.CancelRefusedReported)
            {
                memory.CancelRefusedReported = true;
                await EventAsync(Event.Warning, "MigrationCancelRefused", cancelRefusal, cancellationToken);
            }
        }
        else
        {
            Report.Running(context, migration, migration.Phase.ToString(), text);
        }

        step.Metrics.Observe(Ns, Collection, migration.Phase, memory.Rate);
    }

    private void UpdateProgress()
    {
        var moves = migration.Moves ?? [];
        var progress = migration.Progress ??= new MigrationProgress();
        var complete = moves.All(m => m.State is not (Pending or Copying));
        progress.PointsCopied = moves.Sum(m => m.PointsCopied);
        progress.PointsEstimated = complete ? progress.PointsCopied : Math.Max(progress.PointsEstimated, progress.PointsCopied);
        progress.PointsPerSecond = Math.Round(memory.Rate, 1);
        progress.EtaSeconds = complete ? 0
            : memory.Rate > 0 ? (long)Math.Ceiling((progress.PointsEstimated - progress.PointsCopied) / memory.Rate)
            : null;
    }

    /// <summary>One Event per tenth of the copy, so a large migration reports progress without flooding Events.</summary>
    private async Task ProgressEventAsync(CancellationToken cancellationToken)
    {
        var progress = migration.Progress!;
        var complete = (migration.Moves ?? []).All(m => m.State is not (Pending or Copying));
        var decile = complete ? 10 : progress.PointsEstimated == 0 ? 0 : (int)Math.Min(9, 10 * progress.PointsCopied / progress.PointsEstimated);
        if (decile <= memory.LastDecile || decile == 0)
        {
            memory.LastDecile = Math.Max(memory.LastDecile, decile);
            return;
        }

        memory.LastDecile = decile;
        await EventAsync(Event.Normal, "MigrationProgress", $"Migration {migration.Id}: copied {Report.Progress(migration)}", cancellationToken);
    }

    private TokenBucket? Limiter(int maxPointsPerSecond)
    {
        if (maxPointsPerSecond <= 0) return null;
        if (memory.Limiter is null || memory.LimiterRate != maxPointsPerSecond)
        {
            memory.Limiter = TokenBucket.ForRate(maxPointsPerSecond, time);
            memory.LimiterRate = maxPointsPerSecond;
        }

        return memory.Limiter;
    }

    private Task SaveAsync(CancellationToken cancellationToken) => MigrationStatusStore.SaveAsync(context, migration, cancellationToken);

    private Task EventAsync(string type, string reason, string note, CancellationToken cancellationToken) =>
        context.Services.Events.PublishAsync(context.Collection, type, reason, "Rebalance", note, cancellationToken);

    private List<CellMove> Moves() => [.. (migration.Moves ?? []).Select(m => new CellMove(CellSet.Parse(m.Cells), m.From, m.To))];

    private string Endpoint(int shard) => context.Services.ShardEndpoints.Endpoint(Ns, Collection, shard, context.Tls);

    private IQdrantClient Shard(int shard) =>
        context.Services.Qdrant.Get(context.Services.ShardEndpoints.Resolve(Ns, Collection, shard, context.Tls), context.QdrantApiKey, context.ShardTrust);

    private static PointId? Offset(string? checkpoint) => checkpoint is null ? null : PointId.Parse(checkpoint);

    private long HistoryMax() => RoutingTableStep.HistoryVersions(context).DefaultIfEmpty(0).Max();

    private DateTimeOffset Now()
    {
        // Whole seconds, as metav1.Time stores them, so a value read back compares equal.
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    private string Describe(Exception error)
    {
        if (error is QdrantException qdrant)
        {
            var shards = (migration?.Moves ?? []).SelectMany(m => new[] { m.From, m.To }).Distinct().Order();
            var shard = shards.Cast<int?>().FirstOrDefault(s =>
                Uri.Compare(context.Services.ShardEndpoints.Resolve(Ns, Collection, s!.Value, context.Tls), qdrant.ShardUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0);
            return shard is { } index ? $"shard {index}: {qdrant.Message}" : qdrant.Message;
        }

        return error is KubernetesApiException or HttpRequestException ? $"{error.GetType().Name}: {error.Message}" : error.Message;
    }

    private static bool IsRetryable(Exception error, CancellationToken cancellationToken) => error switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        QdrantException or HttpRequestException or KubernetesApiException or TimeoutException or JsonException => true,
        _ => false,
    };

    private static string Describe(MigrationTable kind) => kind switch
    {
        MigrationTable.ReadOldWriteBoth => "read the old owners, write both (copying can start once every router serves it)",
        MigrationTable.ReadNewWriteBoth => "read the new owners, still write both",
        MigrationTable.ReadNewWriteNew => "read and write the new owners only",
        MigrationTable.StableNew => "stable table with the new ownership",
        _ => "stable table with the old ownership (rollback)",
    };

    private static RoutingMigrationPhase ToRouting(ApiMigrationPhase phase) => Enum.Parse<RoutingMigrationPhase>(phase.ToString());

    private static ApiMigrationPhase ToApi(RoutingMigrationPhase phase) => Enum.Parse<ApiMigrationPhase>(phase.ToString());
}
