using System.Globalization;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Routing;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Migration;

/// <summary>What the semantic part of planning decided: a migration was recorded, the reconcile stops here, or neither.</summary>
internal sealed record SemanticStart(bool Started, StepResult? Stop)
{
    public static SemanticStart Nothing { get; } = new(false, null);
}

/// <summary>
/// The semantic strategy's part of a migration run (see <see cref="SemanticSharding"/> for the rules): training and
/// re-partitioning, the per-cell counts a semantic rebalance plans with, and the copier, verifier and cleanup filter of
/// a re-partition's moves (one per source shard).
/// </summary>
internal sealed partial class MigrationRun
{
    private (RoutingTable From, RoutingTable To)? partition;

    private bool IsRepartition => migration?.Kind == SemanticSharding.RepartitionKind;

    /// <summary>The tables of the running migration; null (halt) when a re-partition's partition ConfigMap is gone.</summary>
    private async Task<MigrationTables?> TablesAsync(CancellationToken cancellationToken)
    {
        if (!IsRepartition) return new MigrationTables(table, migration.Id!, Moves(), Endpoint);
        partition ??= await PartitionStore.LoadAsync(context, migration.Generation ?? 0, cancellationToken);
        return partition is { } pair ? MigrationTables.ForRepartition(table, migration.Id!, pair.From, pair.To, Endpoint) : null;
    }

    private IMoveCopier Copier(MigrationMove move, CopyOptions options) => IsRepartition
        ? new RepartitionCopier(move.From, Shard, Collection, partition!.Value.From, partition.Value.To, options)
        : new CellCopier(Shard(move.From), Shard(move.To), Collection, CellSet.Parse(move.Cells), options, table.Assigner.KeyOffset);

    private IMoveVerifier Verifier(MigrationMove move) => IsRepartition
        ? new RepartitionVerifier(move.From, Shard, Collection, partition!.Value.From, partition.Value.To, options.VerifyWindow, options.VerifySettle, time)
        : new CellVerifier(Shard(move.From), Shard(move.To), Collection, CellSet.Parse(move.Cells), options.VerifyWindow, options.VerifySettle, time, table.Assigner.KeyOffset);

    /// <summary>
    /// What cleanup deletes on a move's shard: the moved cells' keys; for a re-partition source, every point whose
    /// <c>_rag_cell</c> is not one of the shard's own new keys (re-stamped points now owned elsewhere).
    /// </summary>
    private Filter CleanupFilter(MigrationMove move)
    {
        if (!IsRepartition) return MigrationFilters.Cells(CellSet.Parse(move.Cells), table.Assigner.KeyOffset);
        var to = partition!.Value.To;
        var kept = to.OldAssignment().CellsOf(move.From);
        return kept.IsEmpty ? new Filter() : Filter.None(new FilterCondition(MigrationFilters.Cells(kept, to.Assigner.KeyOffset)));
    }

    /// <summary>The plan of a shard-count change: whole semantic cells balancing points, or hash cells.</summary>
    private async Task<RebalancePlan> PlanAsync(int to, IReadOnlyDictionary<int, long>? points, CancellationToken cancellationToken)
    {
        if (table.Assigner is not SemanticCellAssigner) return RebalancePlanner.Plan(table.OldAssignment(), to, points);
        var cells = await SemanticSampler.CountCellsAsync(table, Shard, Collection, cancellationToken);
        return SemanticRebalancePlanner.Plan(table.OldAssignment(), cells, to);
    }

    /// <summary>
    /// Runs before a rebalance is planned: keeps <c>status.semantic</c> in step with the table, publishes a changed
    /// default nprobe, and starts a training and re-partition when one is due.
    /// </summary>
    private async Task<SemanticStart> StartSemanticAsync(CancellationToken cancellationToken)
    {
        var spec = context.Spec.Sharding;
        var status = KubernetesJsonClone(context.Collection.Status?.Semantic) ?? new SemanticStatus();
        var points = context.Facts.Shards.Where(s => s.Points is not null).Sum(s => s.Points!.Value);
        status.Points = points;
        status.TrainAfterPoints = spec.Semantic.TrainAfterPoints;
        if (spec.Strategy != ShardingStrategy.Semantic)
        {
            if (table.Assigner is SemanticCellAssigner trained)
            {
                // Back to hash would be one more re-partition; not offered. Shard-count changes still move semantic cells.
                Describe(status, SemanticSharding.Unsupported, trained,
                    $"spec.sharding.strategy is hash but the collection is partitioned by trained centroids (generation {trained.Generation}); going back to hash is not supported, so it stays semantic. Set the strategy back to semantic, or copy the data into a new hash collection");
                await SemanticStatusStore.SaveAsync(context, status, cancellationToken);
            }

            return SemanticStart.Nothing;
        }

        if (table.Assigner is HashCellAssigner)
        {
            if (points < spec.Semantic.TrainAfterPoints)
            {
                Describe(status, SemanticSharding.Provisional, null, string.Create(CultureInfo.InvariantCulture,
                    $"routed by hash until the collection holds {spec.Semantic.TrainAfterPoints} points (it holds {points}); then the centroids are trained and the points re-partitioned"));
                await SemanticStatusStore.SaveAsync(context, status, cancellationToken);
                return SemanticStart.Nothing;
            }

            // A retrain annotation that was there before the first training asks for nothing more.
            status.RetrainRequest = SemanticSharding.RetrainRequest(context.Collection);
            return await TrainAsync(status, 1, string.Create(CultureInfo.InvariantCulture, $"the collection reached {points} points (trainAfterPoints {spec.Semantic.TrainAfterPoints})"), cancellationToken);
        }

        if (table.Assigner is not SemanticCellAssigner semantic) return SemanticStart.Nothing;
        Describe(status, SemanticSharding.Trained, semantic, string.Create(CultureInfo.InvariantCulture,
            $"{semantic.CellCount} cells (generation {semantic.Generation}); searches probe the shards of their {semantic.Nprobe} nearest cells"));
        if (await PartitionStore.PruneBeforeAsync(context, semantic.Generation, cancellationToken) is > 0 and var pruned)
        {
            context.Logger.LogInformation("Deleted {Count} partition ConfigMap(s) of {Collection} older than generation {Generation}", pruned, Collection, semantic.Generation);
        }

        if (semantic.Nprobe != Math.Min(spec.Semantic.Nprobe, semantic.CellCount))
        {
            var version = Math.Max(table.Version, HistoryMax()) + 1;
            var next = table.WithAssigner(version, semantic.WithNprobe(Math.Min(spec.Semantic.Nprobe, semantic.CellCount)));
            await RoutingTableStep.PublishAsync(context, next, $"Published routing table v{version}: default nprobe {semantic.Nprobe} -> {spec.Semantic.Nprobe}", cancellationToken);
            context.Table = table = next;
            semantic = (SemanticCellAssigner)next.Assigner;
            status.Nprobe = semantic.Nprobe;
        }

        var request = SemanticSharding.RetrainRequest(context.Collection);
        if (request is not null && request != status.RetrainRequest)
        {
            status.RetrainRequest = request;
            return await TrainAsync(status, semantic.Generation + 1, $"annotation {SemanticSharding.RetrainAnnotation}={request}", cancellationToken);
        }

        if (context.Spec.Shards > semantic.CellCount)
        {
            return await TrainAsync(status, semantic.Generation + 1,
                $"spec.shards {context.Spec.Shards} is above the {semantic.CellCount} cells of generation {semantic.Generation}", cancellationToken);
        }

        if (table.Shards.Length == context.Spec.Shards && SemanticSharding.DriftCheckDue(status, time.GetUtcNow(), step.Options.SemanticDriftCheckInterval))
        {
            var cells = await SemanticSampler.CountCellsAsync(table, Shard, Collection, cancellationToken);
            status.LastDriftCheck = Now();
            status.LargestCellRatio = Math.Round(SemanticSampler.Skew(cells), 3);
            if (SemanticSharding.Drifted(cells, status.TrainedCellRatio, spec.Semantic.MaxCellSkew, spec.Semantic.TrainAfterPoints))
            {
                return await TrainAsync(status, semantic.Generation + 1, string.Create(CultureInfo.InvariantCulture,
                    $"the largest cell holds {status.LargestCellRatio:0.00} times the mean cell's points (maxCellSkew {spec.Semantic.MaxCellSkew})"), cancellationToken);
            }
        }

        await SemanticStatusStore.SaveAsync(context, status, cancellationToken);
        return SemanticStart.Nothing;
    }

    /// <summary>
    /// Samples the collection, trains generation <paramref name="generation"/> for spec.shards shards, stores both
    /// partitions, and records a re-partition (Planned) whose moves are the shards that own points now.
    /// </summary>
    private async Task<SemanticStart> TrainAsync(SemanticStatus status, int generation, string trigger, CancellationToken cancellationToken)
    {
        var spec = context.Spec.Sharding.Semantic;
        var shardCount = context.Spec.Shards;
        var cells = shardCount * spec.CellsPerShard;
        var owning = table.Shards.Where(s => !s.Cells.IsEmpty).Select(s => s.Id).ToList();
        var sample = await SemanticSampler.SampleAsync(owning.ToDictionary(id => id, Shard), Collection, spec.SampleSize, spec.Seed, cancellationToken);
        if (sample.Count < cells)
        {
            Describe(status, table.Assigner is SemanticCellAssigner ? SemanticSharding.Trained : SemanticSharding.Provisional, table.Assigner as SemanticCellAssigner,
                $"training ({trigger}) waits: {sample.Count} points were found, k-means needs at least {cells} (spec.shards × cellsPerShard)");
            await SemanticStatusStore.SaveAsync(context, status, cancellationToken);
            return SemanticStart.Nothing;
        }

        var total = context.Facts.Shards.Where(s => s.Points is not null).Sum(s => s.Points!.Value);
        var trained = SemanticPartitioner.Train(sample, new SemanticTraining
        {
            Generation = generation,
            Shards = shardCount,
            CellsPerShard = spec.CellsPerShard,
            Nprobe = spec.Nprobe,
            Distance = table.Distance,
            TotalPoints = Math.Max(total, sample.Count),
            KMeans = new KMeansOptions { Seed = spec.Seed, MaxIterations = spec.MaxIterations },
        });
        var next = RoutingTable.Create(Collection, Ns, table.Version, trained.Assigner, table.Dimension, table.Distance,
            trained.Ownership.Shards.Select(kv => new RoutingShard(kv.Key, Endpoint(kv.Key), kv.Value)));
        var size = next.ToJson(indented: true).Length + (table.Assigner is SemanticCellAssigner ? table.ToJson(indented: true).Length : 0);
        if (size > SemanticSharding.MaxTableBytes)
        {
            // A re-training's tables carry both centroid sets, and every routing table lives in a ConfigMap (1 MiB).
            Describe(status, table.Assigner is SemanticCellAssigner ? SemanticSharding.Trained : SemanticSharding.Provisional, table.Assigner as SemanticCellAssigner,
                string.Create(CultureInfo.InvariantCulture,
                    $"training ({trigger}) refused: the routing table would be {size} bytes, above the {SemanticSharding.MaxTableBytes} that fit a ConfigMap; lower cellsPerShard (cells × dimension must stay below about 90 000 for a re-training, 180 000 for the first training)"));
            await SemanticStatusStore.SaveAsync(context, status, cancellationToken);
            return SemanticStart.Nothing;
        }

        await PartitionStore.SaveAsync(context, generation, table, next, cancellationToken);

        migration = new MigrationStatus
        {
            Id = string.Create(CultureInfo.InvariantCulture, $"{Collection}-repartition-g{generation}-v{table.Version}"),
            Kind = SemanticSharding.RepartitionKind,
            Generation = generation,
            Phase = ApiMigrationPhase.Planned,
            FromShards = owning.Count,
            ToShards = shardCount,
            FromVersion = table.Version,
            TargetGeneration = context.Collection.Metadata.Generation,
            StartedAt = Now(),
            Moves = [.. owning.Select(id => new MigrationMove { Cells = table.Shard(id).Cells.ToString(), From = id, To = id, State = Pending })],
            Progress = new MigrationProgress { PointsEstimated = total },
            Message = string.Create(CultureInfo.InvariantCulture,
                $"planned: re-partition into {trained.Assigner.CellCount} semantic cells (generation {generation}) over {shardCount} shards because {trigger}"),
        };
        status.TrainedAt = Now();
        status.SamplePoints = sample.Count;
        status.Trigger = trigger;
        status.TrainedCellRatio = Math.Round(SemanticSampler.Skew(trained.CellPoints), 3);
        status.LargestCellRatio = status.TrainedCellRatio;
        status.LastDriftCheck = Now();
        Describe(status, SemanticSharding.Repartitioning, table.Assigner as SemanticCellAssigner, string.Create(CultureInfo.InvariantCulture,
            $"trained generation {generation} ({trained.Assigner.CellCount} cells, {trained.Training.Iterations} Lloyd iterations, {sample.Count} sampled points) because {trigger}; re-partitioning"));

        // One patch: an operator that dies between two writes would leave a re-partition without its training facts
        // (sample size, trigger, the retrain request it answers), and a retrain request answered twice.
        await StatusBlockStore.SaveAsync(context, [MigrationStatusStore.Block(migration), SemanticStatusStore.Block(status)], cancellationToken);
        var loads = string.Join(", ", trained.ShardPoints().Select(kv => $"shard {kv.Key}: ~{kv.Value}"));
        context.Logger.LogInformation("Trained semantic generation {Generation} for {Collection}: {Cells} cells, {Iterations} iterations; {Loads}",
            generation, Collection, trained.Assigner.CellCount, trained.Training.Iterations, loads);
        await EventAsync(Event.Normal, "SemanticTrained",
            $"Trained semantic partition generation {generation}: {trained.Assigner.CellCount} cells on {sample.Count} sampled points because {trigger}; expected points {loads}. Migration {migration.Id} re-partitions the collection", cancellationToken);
        return new SemanticStart(true, null);
    }

    private static void Describe(SemanticStatus status, string state, SemanticCellAssigner? served, string message)
    {
        status.State = state;
        status.Generation = served?.Generation ?? 0;
        status.Cells = served?.CellCount;
        status.Nprobe = served?.Nprobe;
        status.Message = message;
    }

    private static SemanticStatus? KubernetesJsonClone(SemanticStatus? status) => status is null ? null : KubernetesJson.Clone(status);
}

/// <summary>
/// The rules of the semantic strategy on the operator side.
/// <list type="bullet">
/// <item><b>Bootstrap</b>: a semantic collection starts with the hash table (Provisional). Once the shards hold
/// <c>sharding.semantic.trainAfterPoints</c> points, the operator samples <c>sampleSize</c> vectors (uniformly: ids are
/// scrolled, a seeded reservoir picks, only those are read with vectors), trains <c>shards × cellsPerShard</c> centroids
/// (k-means++, <c>seed</c>, at most <c>maxIterations</c>) and re-partitions (Repartitioning → Trained).</item>
/// <item><b>Re-partition</b> = a migration between two routing tables, with the stream migration's phases, acks,
/// checkpoints and verification; its moves are the old partition's shards (one per source, from = to).</item>
/// <item><b>Shard-count changes</b> of a trained collection move whole semantic cells, balancing points
/// (<see cref="SemanticRebalancePlanner"/>). A re-training (a new generation, re-partitioned the same way) happens only
/// when the annotation <c>ragoperator.io/retrain</c> gets a new value, when the largest cell holds more than
/// <c>maxCellSkew</c> × the mean cell's points (checked at most every
/// <see cref="StreamMigrationOptions.SemanticDriftCheckInterval"/>, once the collection holds trainAfterPoints points),
/// or when spec.shards exceeds the cells.</item>
/// <item>A re-partition cannot be cancelled: the shards hold re-stamped points, which only the completed migration makes
/// consistent again; a cancel annotation is reported and ignored.</item>
/// </list>
/// </summary>
public static class SemanticSharding
{
    public const string RepartitionKind = "Repartition";

    /// <summary>Largest routing table (as published, both centroid sets of a re-training) a training may produce: a ConfigMap holds at most 1 MiB.</summary>
    public const int MaxTableBytes = 900_000;
    public const string RetrainAnnotation = "ragoperator.io/retrain";

    public const string Provisional = "Provisional";
    public const string Repartitioning = "Repartitioning";
    public const string Trained = "Trained";
    public const string Unsupported = "Unsupported";

    /// <summary>The value of the retrain annotation (trimmed), or null when absent or empty.</summary>
    public static string? RetrainRequest(VectorCollection collection) =>
        collection.Metadata.Annotations?.TryGetValue(RetrainAnnotation, out var value) == true && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public static bool DriftCheckDue(SemanticStatus status, DateTimeOffset now, TimeSpan interval) =>
        status.LastDriftCheck is not { } last || now - last >= interval;

    /// <summary>
    /// Cell sizes have drifted when the collection holds at least <paramref name="minimumPoints"/>, its largest cell
    /// holds more than <paramref name="maxSkew"/> × the mean cell's points, and that ratio grew by more than 25 % over the
    /// one the training expected (so a mixture that is uneven by nature does not retrain in a loop).
    /// </summary>
    public static bool Drifted(IReadOnlyList<long> cellPoints, double? trainedRatio, double maxSkew, long minimumPoints)
    {
        if (cellPoints.Sum() < minimumPoints) return false;
        var skew = SemanticSampler.Skew(cellPoints);
        return skew > maxSkew && skew > (trainedRatio ?? 0) * 1.25;
    }

    /// <summary>
    /// Whether the migration step must look at a stable, balanced collection because of its semantic strategy (cheap:
    /// from the cached object and facts only): to train, to re-train, to publish a new nprobe, to check for drift, or to
    /// bring status.semantic up to date.
    /// </summary>
    public static bool WantsAttention(VectorCollection collection, RoutingTable table, IEnumerable<long?> shardPoints, DateTimeOffset now, TimeSpan driftInterval)
    {
        var spec = collection.Spec.Sharding;
        var status = collection.Status?.Semantic;
        if (spec.Strategy != ShardingStrategy.Semantic) return table.Assigner is SemanticCellAssigner && status?.State != Unsupported;
        if (table.Assigner is HashCellAssigner)
        {
            return status?.State != Provisional || shardPoints.Sum(p => p ?? 0) >= spec.Semantic.TrainAfterPoints;
        }

        if (table.Assigner is not SemanticCellAssigner semantic) return false;
        return status is null || status.State != Trained || status.Generation != semantic.Generation
            || semantic.Nprobe != Math.Min(spec.Semantic.Nprobe, semantic.CellCount)
            || (RetrainRequest(collection) is { } request && request != status.RetrainRequest)
            || collection.Spec.Shards > semantic.CellCount
            || DriftCheckDue(status, now, driftInterval);
    }
}
