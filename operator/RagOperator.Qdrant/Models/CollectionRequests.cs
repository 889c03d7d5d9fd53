using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Models;

/// <summary>Parameters of the collection's single unnamed dense vector.</summary>
public sealed record VectorParams(ulong Size, Distance Distance)
{
    /// <summary>Serve the original vectors from disk (Qdrant's deprecated-but-accepted `on_disk` flag).</summary>
    public bool? OnDisk { get; init; }
}

/// <summary>HNSW settings; every field optional, unset fields keep the server's value.</summary>
public sealed record HnswConfigDiff
{
    public ulong? M { get; init; }
    public ulong? EfConstruct { get; init; }
    public ulong? FullScanThreshold { get; init; }
    public ulong? MaxIndexingThreads { get; init; }
    public bool? OnDisk { get; init; }
    public ulong? PayloadM { get; init; }
}

public sealed record OptimizersConfigDiff
{
    public double? DeletedThreshold { get; init; }
    public ulong? VacuumMinVectorNumber { get; init; }
    public ulong? DefaultSegmentNumber { get; init; }
    public ulong? MaxSegmentSize { get; init; }
    public ulong? IndexingThreshold { get; init; }
    public ulong? FlushIntervalSec { get; init; }
    public ulong? MaxOptimizationThreads { get; init; }
}

/// <summary>A new collection's settings.</summary>
public sealed record CreateCollectionRequest(VectorParams Vectors)
{
    public uint? ShardNumber { get; init; }
    public uint? ReplicationFactor { get; init; }
    public uint? WriteConsistencyFactor { get; init; }
    public bool? OnDiskPayload { get; init; }
    public HnswConfigDiff? HnswConfig { get; init; }
    public OptimizersConfigDiff? OptimizersConfig { get; init; }
    public QuantizationConfig? QuantizationConfig { get; init; }
}

/// <summary>Collection-level replication parameters that an update can change.</summary>
public sealed record CollectionParamsDiff
{
    public uint? ReplicationFactor { get; init; }
    public uint? WriteConsistencyFactor { get; init; }
    public bool? OnDiskPayload { get; init; }
}

/// <summary>
/// A collection update. <see cref="QuantizationConfig"/> may be
/// <see cref="Models.QuantizationConfig.Disabled"/> to switch quantization off.
/// </summary>
public sealed record UpdateCollectionRequest
{
    public HnswConfigDiff? HnswConfig { get; init; }
    public QuantizationConfig? QuantizationConfig { get; init; }
    public OptimizersConfigDiff? OptimizersConfig { get; init; }
    public CollectionParamsDiff? Params { get; init; }
}
