using System.Text.Json.Nodes;

namespace RagOperator.Qdrant.Models;

/// <summary>A collection's state and settings (the fields the operator reads).</summary>
public sealed record CollectionInfo
{
    public CollectionStatus Status { get; init; }
    public OptimizerStatus OptimizerStatus { get; init; } = OptimizerStatus.Ok;
    public ulong? IndexedVectorsCount { get; init; }
    public ulong? PointsCount { get; init; }
    public ulong SegmentsCount { get; init; }
    public required CollectionConfig Config { get; init; }
    public IReadOnlyDictionary<string, PayloadIndexInfo> PayloadSchema { get; init; } = new Dictionary<string, PayloadIndexInfo>();
}

public sealed record CollectionConfig
{
    public required CollectionParams Params { get; init; }
    public required HnswConfig HnswConfig { get; init; }

    /// <summary>Optimizer settings as Qdrant reports them; kept as JSON because the operator only displays them.</summary>
    public JsonObject? OptimizerConfig { get; init; }

    public QuantizationConfig? QuantizationConfig { get; init; }
}

public sealed record CollectionParams
{
    /// <summary>The single unnamed vector's parameters (named-vector collections are not used by this project).</summary>
    public VectorParams? Vectors { get; init; }
    public uint ShardNumber { get; init; } = 1;
    public uint ReplicationFactor { get; init; } = 1;
    public uint WriteConsistencyFactor { get; init; } = 1;
    public bool? OnDiskPayload { get; init; }
}

public sealed record HnswConfig
{
    public ulong M { get; init; }
    public ulong EfConstruct { get; init; }
    public ulong FullScanThreshold { get; init; }
    public ulong MaxIndexingThreads { get; init; }
    public bool? OnDisk { get; init; }
    public ulong? PayloadM { get; init; }
}

public sealed record PayloadIndexInfo
{
    public PayloadSchemaType DataType { get; init; }
    public ulong Points { get; init; }
}

/// <summary>The optimizers' state: ok, or the error they stopped on.</summary>
public sealed record OptimizerStatus(string? Error)
{
    public static OptimizerStatus Ok { get; } = new((string?)null);

    public bool IsOk => Error is null;
}
