using System.Text.Json.Nodes;
using RagOperator.Qdrant.Models;
using G = Qdrant.Client.Grpc;

// on_disk, on_disk_payload and always_ram are deprecated upstream in favour of `memory`, but they are what the CRD's
// fields mean and what Qdrant still honours.
#pragma warning disable CS0612

namespace RagOperator.Qdrant.Grpc;

/// <summary>Collection settings between the project's records and Qdrant's gRPC messages. Pure functions.</summary>
internal static class GrpcCollectionMapping
{
    public static G.CreateCollection ToGrpc(string collection, CreateCollectionRequest request)
    {
        var create = new G.CreateCollection
        {
            CollectionName = collection,
            VectorsConfig = new G.VectorsConfig { Params = ToGrpc(request.Vectors) },
        };
        if (request.ShardNumber is { } shards) create.ShardNumber = shards;
        if (request.ReplicationFactor is { } replication) create.ReplicationFactor = replication;
        if (request.WriteConsistencyFactor is { } consistency) create.WriteConsistencyFactor = consistency;
        if (request.OnDiskPayload is { } onDiskPayload) create.OnDiskPayload = onDiskPayload;
        if (request.HnswConfig is { } hnsw) create.HnswConfig = ToGrpc(hnsw);
        if (request.OptimizersConfig is { } optimizers) create.OptimizersConfig = ToGrpc(optimizers);
        if (request.QuantizationConfig is { IsDisabled: false } quantization) create.QuantizationConfig = ToGrpc(quantization);
        return create;
    }

    public static G.UpdateCollection ToGrpc(string collection, UpdateCollectionRequest request)
    {
        var update = new G.UpdateCollection { CollectionName = collection };
        if (request.HnswConfig is { } hnsw) update.HnswConfig = ToGrpc(hnsw);
        if (request.OptimizersConfig is { } optimizers) update.OptimizersConfig = ToGrpc(optimizers);
        if (request.QuantizationConfig is { } quantization)
        {
            update.QuantizationConfig = quantization.IsDisabled
                ? new G.QuantizationConfigDiff { Disabled = new G.Disabled() }
                : ToGrpc(quantization).QuantizationCase switch
                {
                    G.QuantizationConfig.QuantizationOneofCase.Product => new G.QuantizationConfigDiff { Product = ToGrpc(quantization).Product },
                    G.QuantizationConfig.QuantizationOneofCase.Binary => new G.QuantizationConfigDiff { Binary = ToGrpc(quantization).Binary },
                    _ => new G.QuantizationConfigDiff { Scalar = ToGrpc(quantization).Scalar },
                };
        }

        if (request.Params is { } parameters)
        {
            update.Params = new G.CollectionParamsDiff();
            if (parameters.ReplicationFactor is { } replication) update.Params.ReplicationFactor = replication;
            if (parameters.WriteConsistencyFactor is { } consistency) update.Params.WriteConsistencyFactor = consistency;
            if (parameters.OnDiskPayload is { } onDiskPayload) update.Params.OnDiskPayload = onDiskPayload;
        }

        return update;
    }

    public static CollectionInfo FromGrpc(G.CollectionInfo info)
    {
        var parameters = info.Config.Params;
        var hnsw = info.Config.HnswConfig ?? new G.HnswConfigDiff();
        return new CollectionInfo
        {
            Status = info.Status switch
            {
                G.CollectionStatus.Yellow => CollectionStatus.Yellow,
                G.CollectionStatus.Grey => CollectionStatus.Grey,
                G.CollectionStatus.Red => CollectionStatus.Red,
                _ => CollectionStatus.Green,
            },
            OptimizerStatus = info.OptimizerStatus is { Ok: false } failed ? new OptimizerStatus(failed.Error) : OptimizerStatus.Ok,
            PointsCount = info.HasPointsCount ? info.PointsCount : null,
            IndexedVectorsCount = info.HasIndexedVectorsCount ? info.IndexedVectorsCount : null,
            SegmentsCount = info.SegmentsCount,
            Config = new CollectionConfig
            {
                Params = new CollectionParams
                {
                    Vectors = parameters.VectorsConfig?.ConfigCase == G.VectorsConfig.ConfigOneofCase.Params
                        ? new VectorParams(parameters.VectorsConfig.Params.Size, FromGrpc(parameters.VectorsConfig.Params.Distance))
                        {
                            OnDisk = parameters.VectorsConfig.Params.HasOnDisk ? parameters.VectorsConfig.Params.OnDisk : null,
                        }
                        : null,
                    ShardNumber = parameters.ShardNumber,
                    ReplicationFactor = parameters.HasReplicationFactor ? parameters.ReplicationFactor : 1,
                    WriteConsistencyFactor = parameters.HasWriteConsistencyFactor ? parameters.WriteConsistencyFactor : 1,
                    OnDiskPayload = parameters.OnDiskPayload,
                },
                HnswConfig = new HnswConfig
                {
                    M = hnsw.M,
                    EfConstruct = hnsw.EfConstruct,
                    FullScanThreshold = hnsw.FullScanThreshold,
                    MaxIndexingThreads = hnsw.MaxIndexingThreads,
                    OnDisk = hnsw.HasOnDisk ? hnsw.OnDisk : null,
                    PayloadM = hnsw.HasPayloadM ? hnsw.PayloadM : null,
                },
                OptimizerConfig = info.Config.OptimizerConfig is { } optimizers ? OptimizerJson(optimizers) : null,
                QuantizationConfig = info.Config.QuantizationConfig is { } quantization ? FromGrpc(quantization) : null,
            },
            PayloadSchema = info.PayloadSchema.ToDictionary(
                entry => entry.Key,
                entry => new PayloadIndexInfo { DataType = FromGrpc(entry.Value.DataType), Points = entry.Value.Points }),
        };
    }

    public static CollectionClusterInfo FromGrpc(G.CollectionClusterInfoResponse info) => new()
    {
        PeerId = info.PeerId,
        ShardCount = info.ShardCount,
        // Both ReplicaState enums list Qdrant's states in Qdrant's order.
        LocalShards = info.LocalShards.Select(shard => new LocalShardInfo
        {
            ShardId = shard.ShardId, PointsCount = shard.PointsCount, State = (ReplicaState)(int)shard.State,
        }).ToList(),
        RemoteShards = info.RemoteShards.Select(shard => new RemoteShardInfo
        {
            ShardId = shard.ShardId, PeerId = shard.PeerId, State = (ReplicaState)(int)shard.State,
        }).ToList(),
        ShardTransfers = info.ShardTransfers.Select(transfer => new ShardTransferInfo
        {
            ShardId = transfer.ShardId, From = transfer.From, To = transfer.To, Sync = transfer.Sync,
        }).ToList(),
    };

    public static SnapshotDescription FromGrpc(G.SnapshotDescription snapshot) => new()
    {
        Name = snapshot.Name,
        // As the REST face writes it: UTC, to the second, without a zone.
        CreationTime = snapshot.CreationTime?.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        Size = (ulong)snapshot.Size,
        Checksum = snapshot.HasChecksum ? snapshot.Checksum : null,
    };

    public static G.ReplicateShard Replicate(uint shardId, ulong from, ulong to, ShardTransferMethod? method)
    {
        var replicate = new G.ReplicateShard { ShardId = shardId, FromPeerId = from, ToPeerId = to };
        if (method is { } chosen) replicate.Method = (G.ShardTransferMethod)(int)chosen;
        return replicate;
    }

    public static G.MoveShard Move(uint shardId, ulong from, ulong to, ShardTransferMethod? method)
    {
        var move = new G.MoveShard { ShardId = shardId, FromPeerId = from, ToPeerId = to };
        if (method is { } chosen) move.Method = (G.ShardTransferMethod)(int)chosen;
        return move;
    }

    // Both enums list the same kinds; one table keeps the two directions from drifting apart.
    private static readonly (PayloadSchemaType Own, G.PayloadSchemaType Grpc)[] SchemaTypes =
    [
        (PayloadSchemaType.Keyword, G.PayloadSchemaType.Keyword), (PayloadSchemaType.Integer, G.PayloadSchemaType.Integer),
        (PayloadSchemaType.Float, G.PayloadSchemaType.Float), (PayloadSchemaType.Geo, G.PayloadSchemaType.Geo),
        (PayloadSchemaType.Text, G.PayloadSchemaType.Text), (PayloadSchemaType.Bool, G.PayloadSchemaType.Bool),
        (PayloadSchemaType.Datetime, G.PayloadSchemaType.Datetime), (PayloadSchemaType.Uuid, G.PayloadSchemaType.Uuid),
    ];

    private static readonly (Distance Own, G.Distance Grpc)[] Distances =
    [
        (Distance.Cosine, G.Distance.Cosine), (Distance.Euclid, G.Distance.Euclid), (Distance.Dot, G.Distance.Dot),
        (Distance.Manhattan, G.Distance.Manhattan),
    ];

    public static G.PayloadSchemaType ToGrpc(PayloadSchemaType schema) => SchemaTypes.First(pair => pair.Own == schema).Grpc;

    // A kind this project does not know (a newer Qdrant's) reads as keyword: the operator only asks whether a field has an index.
    private static PayloadSchemaType FromGrpc(G.PayloadSchemaType schema) =>
        SchemaTypes.Where(pair => pair.Grpc == schema).Select(pair => pair.Own).DefaultIfEmpty(PayloadSchemaType.Keyword).First();

    private static G.Distance ToGrpc(Distance distance) => Distances.First(pair => pair.Own == distance).Grpc;

    private static Distance FromGrpc(G.Distance distance) =>
        Distances.Where(pair => pair.Grpc == distance).Select(pair => pair.Own).DefaultIfEmpty(Distance.Cosine).First();

    private static G.VectorParams ToGrpc(VectorParams vectors)
    {
        var grpc = new G.VectorParams { Size = vectors.Size, Distance = ToGrpc(vectors.Distance) };
        if (vectors.OnDisk is { } onDisk) grpc.OnDisk = onDisk;
        return grpc;
    }

    private static G.HnswConfigDiff ToGrpc(HnswConfigDiff hnsw)
    {
        var grpc = new G.HnswConfigDiff();
        if (hnsw.M is { } m) grpc.M = m;
        if (hnsw.EfConstruct is { } ef) grpc.EfConstruct = ef;
        if (hnsw.FullScanThreshold is { } threshold) grpc.FullScanThreshold = threshold;
        if (hnsw.MaxIndexingThreads is { } threads) grpc.MaxIndexingThreads = threads;
        if (hnsw.OnDisk is { } onDisk) grpc.OnDisk = onDisk;
        if (hnsw.PayloadM is { } payloadM) grpc.PayloadM = payloadM;
        return grpc;
    }

    private static G.OptimizersConfigDiff ToGrpc(OptimizersConfigDiff optimizers)
    {
        var grpc = new G.OptimizersConfigDiff();
        if (optimizers.DeletedThreshold is { } deleted) grpc.DeletedThreshold = deleted;
        if (optimizers.VacuumMinVectorNumber is { } vacuum) grpc.VacuumMinVectorNumber = vacuum;
        if (optimizers.DefaultSegmentNumber is { } segments) grpc.DefaultSegmentNumber = segments;
        if (optimizers.MaxSegmentSize is { } maxSegment) grpc.MaxSegmentSize = maxSegment;
        if (optimizers.IndexingThreshold is { } indexing) grpc.IndexingThreshold = indexing;
        if (optimizers.FlushIntervalSec is { } flush) grpc.FlushIntervalSec = flush;
        if (optimizers.MaxOptimizationThreads is { } threads) grpc.MaxOptimizationThreads = new G.MaxOptimizationThreads { Value = threads };
        return grpc;
    }

    // The REST face reports optimizer settings as JSON; the records keep that shape.
    private static JsonObject OptimizerJson(G.OptimizersConfigDiff optimizers)
    {
        var json = new JsonObject();
        if (optimizers.HasDeletedThreshold) json["deleted_threshold"] = optimizers.DeletedThreshold;
        if (optimizers.HasVacuumMinVectorNumber) json["vacuum_min_vector_number"] = (long)optimizers.VacuumMinVectorNumber;
        if (optimizers.HasDefaultSegmentNumber) json["default_segment_number"] = (long)optimizers.DefaultSegmentNumber;
        if (optimizers.HasMaxSegmentSize) json["max_segment_size"] = (long)optimizers.MaxSegmentSize;
        if (optimizers.HasIndexingThreshold) json["indexing_threshold"] = (long)optimizers.IndexingThreshold;
        if (optimizers.HasFlushIntervalSec) json["flush_interval_sec"] = (long)optimizers.FlushIntervalSec;
        return json;
    }

    private static G.QuantizationConfig ToGrpc(QuantizationConfig quantization)
    {
        if (quantization.Product is { } product)
        {
            var grpc = new G.ProductQuantization { Compression = (G.CompressionRatio)(int)product.Compression };
            if (product.AlwaysRam is { } ram) grpc.AlwaysRam = ram;
            return new G.QuantizationConfig { Product = grpc };
        }

        if (quantization.Binary is { } binary)
        {
            var grpc = new G.BinaryQuantization();
            if (binary.AlwaysRam is { } ram) grpc.AlwaysRam = ram;
            return new G.QuantizationConfig { Binary = grpc };
        }

        var scalar = new G.ScalarQuantization { Type = G.QuantizationType.Int8 };
        if (quantization.Scalar?.Quantile is { } quantile) scalar.Quantile = quantile;
        if (quantization.Scalar?.AlwaysRam is { } alwaysRam) scalar.AlwaysRam = alwaysRam;
        return new G.QuantizationConfig { Scalar = scalar };
    }

    private static QuantizationConfig? FromGrpc(G.QuantizationConfig quantization) => quantization.QuantizationCase switch
    {
        G.QuantizationConfig.QuantizationOneofCase.Scalar => QuantizationConfig.ScalarInt8(
            quantization.Scalar.HasQuantile ? quantization.Scalar.Quantile : null,
            quantization.Scalar.HasAlwaysRam ? quantization.Scalar.AlwaysRam : null),
        G.QuantizationConfig.QuantizationOneofCase.Product => QuantizationConfig.ProductQuantization(
            (CompressionRatio)(int)quantization.Product.Compression,
            quantization.Product.HasAlwaysRam ? quantization.Product.AlwaysRam : null),
        G.QuantizationConfig.QuantizationOneofCase.Binary => QuantizationConfig.BinaryQuantization(
            quantization.Binary.HasAlwaysRam ? quantization.Binary.AlwaysRam : null),
        _ => null,
    };
}
