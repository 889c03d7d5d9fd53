namespace RagOperator.Benchmarks;

/// <summary>
/// How big each suite's run is. <see cref="Full"/> is what <c>make bench</c> records (about ten minutes on two cores);
/// <see cref="Smoke"/> runs every code path with tiny sizes in seconds, for <c>make test</c>.
/// </summary>
public sealed record BenchmarkSizes
{
    public required bool IsSmoke { get; init; }

    /// <summary>Point ids hashed to measure the point-level moved fraction and the <c>hash % N</c> baseline.</summary>
    public int MovedFractionSampleIds { get; init; }

    public int RouterPoints { get; init; }
    public int RouterDimension { get; init; }
    public int RouterQueries { get; init; }
    public int RouterWarmupQueries { get; init; }

    /// <summary>hedged_search: points, dimension, measured and warm-up queries per router.</summary>
    public int HedgePoints { get; init; } = 8_000;
    public int HedgeDimension { get; init; } = 128;
    public int HedgeQueries { get; init; } = 1_000;
    public int HedgeWarmupQueries { get; init; } = 100;

    public int PropagationRouters { get; init; }
    public int PropagationVersions { get; init; }

    public int CopyPoints { get; init; }
    public int CopyDimension { get; init; }
    public int CopyBatch { get; init; }

    public int MigrationPoints { get; init; }
    public int MigrationDimension { get; init; }
    public int MigrationFromShards { get; init; }
    public int MigrationToShards { get; init; }

    public int ReconcileCollections { get; init; }
    public TimeSpan NoopObservation { get; init; }

    /// <summary>semantic_recall: points, held-out queries, dimension, mixture components, shards, cells per shard, training sample.</summary>
    public int SemanticPoints { get; init; } = 100_000;
    public int SemanticQueries { get; init; } = 200;
    public int SemanticDimension { get; init; } = 384;
    public int SemanticComponents { get; init; } = 100;
    public int SemanticShards { get; init; } = 8;
    public int SemanticCellsPerShard { get; init; } = 8;
    public int SemanticSample { get; init; } = 16_384;

    public static BenchmarkSizes Full { get; } = new()
    {
        IsSmoke = false,
        MovedFractionSampleIds = 200_000,
        RouterPoints = 20_000,
        RouterDimension = 384,
        RouterQueries = 1_000,
        RouterWarmupQueries = 100,
        PropagationRouters = 3,
        PropagationVersions = 100,
        CopyPoints = 20_000,
        CopyDimension = 384,
        CopyBatch = 256,
        MigrationPoints = 20_000,
        MigrationDimension = 384,
        MigrationFromShards = 2,
        MigrationToShards = 4,
        ReconcileCollections = 1_000,
        NoopObservation = TimeSpan.FromSeconds(10),
    };

    public static BenchmarkSizes Smoke { get; } = new()
    {
        IsSmoke = true,
        MovedFractionSampleIds = 5_000,
        RouterPoints = 400,
        RouterDimension = 16,
        RouterQueries = 20,
        RouterWarmupQueries = 5,
        PropagationRouters = 2,
        PropagationVersions = 3,
        CopyPoints = 300,
        CopyDimension = 16,
        CopyBatch = 64,
        MigrationPoints = 300,
        MigrationDimension = 16,
        MigrationFromShards = 2,
        MigrationToShards = 3,
        ReconcileCollections = 5,
        NoopObservation = TimeSpan.FromSeconds(1),
        SemanticPoints = 3_000,
        SemanticQueries = 20,
        SemanticDimension = 32,
        SemanticComponents = 12,
        SemanticShards = 4,
        SemanticCellsPerShard = 4,
        SemanticSample = 1_000,
        HedgePoints = 300,
        HedgeDimension = 16,
        HedgeQueries = 30,
        HedgeWarmupQueries = 5,
    };
}
