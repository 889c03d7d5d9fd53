using System.Text.Json;
using G = Qdrant.Client.Grpc;

// Qdrant's REST shape still carries the deprecated on_disk and always_ram flags, and shards still report them.
#pragma warning disable CS0612

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// The collection info the core assembles (<see cref="QdrantCollectionView.InfoAsync"/>) in Qdrant's REST shape
/// (<c>CollectionInfo</c>): every field the gRPC message carries, under its REST name; unset optional fields are left out.
/// </summary>
internal static class RestCollectionInfo
{
    public static void Write(Utf8JsonWriter writer, G.CollectionInfo info)
    {
        writer.WriteStartObject();
        writer.WriteString("status", info.Status switch
        {
            G.CollectionStatus.Green => "green",
            G.CollectionStatus.Yellow => "yellow",
            G.CollectionStatus.Grey => "grey",
            _ => "red",
        });
        if (info.OptimizerStatus is { Ok: false } failed)
        {
            writer.WriteStartObject("optimizer_status");
            writer.WriteString("error", failed.Error);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("optimizer_status", "ok");
        }

        writer.WriteNumber("segments_count", info.SegmentsCount);
        if (info.HasPointsCount) writer.WriteNumber("points_count", info.PointsCount);
        if (info.HasIndexedVectorsCount) writer.WriteNumber("indexed_vectors_count", info.IndexedVectorsCount);
        writer.WritePropertyName("config");
        Config(writer, info.Config ?? new G.CollectionConfig());
        writer.WriteStartObject("payload_schema");
        foreach (var (key, schema) in info.PayloadSchema)
        {
            writer.WriteStartObject(key);
            writer.WriteString("data_type", schema.DataType.ToString().ToLowerInvariant());
            writer.WriteNumber("points", schema.HasPoints ? schema.Points : 0);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Config(Utf8JsonWriter writer, G.CollectionConfig config)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("params");
        Params(writer, config.Params ?? new G.CollectionParams());
        writer.WritePropertyName("hnsw_config");
        Hnsw(writer, config.HnswConfig ?? new G.HnswConfigDiff());
        writer.WritePropertyName("optimizer_config");
        Optimizers(writer, config.OptimizerConfig ?? new G.OptimizersConfigDiff());
        if (config.WalConfig is { } wal)
        {
            writer.WriteStartObject("wal_config");
            writer.WriteNumber("wal_capacity_mb", wal.HasWalCapacityMb ? wal.WalCapacityMb : 32);
            writer.WriteNumber("wal_segments_ahead", wal.HasWalSegmentsAhead ? wal.WalSegmentsAhead : 0);
            if (wal.HasWalRetainClosed) writer.WriteNumber("wal_retain_closed", wal.WalRetainClosed);
            writer.WriteEndObject();
        }

        if (config.QuantizationConfig is { } quantization && Quantization(quantization) is { } write)
        {
            writer.WritePropertyName("quantization_config");
            write(writer);
        }

        writer.WriteEndObject();
    }

    private static void Params(Utf8JsonWriter writer, G.CollectionParams parameters)
    {
        writer.WriteStartObject();
        if (parameters.VectorsConfig?.Params is { } vector)
        {
            writer.WritePropertyName("vectors");
            Vector(writer, vector);
        }
        else if (parameters.VectorsConfig?.ParamsMap is { } named)
        {
            writer.WriteStartObject("vectors");
            foreach (var (name, one) in named.Map)
            {
                writer.WritePropertyName(name);
                Vector(writer, one);
            }

            writer.WriteEndObject();
        }

        writer.WriteNumber("shard_number", Math.Max(parameters.ShardNumber, 1));
        if (parameters.HasReplicationFactor) writer.WriteNumber("replication_factor", parameters.ReplicationFactor);
        if (parameters.HasWriteConsistencyFactor) writer.WriteNumber("write_consistency_factor", parameters.WriteConsistencyFactor);
        if (parameters.HasReadFanOutFactor) writer.WriteNumber("read_fan_out_factor", parameters.ReadFanOutFactor);
        writer.WriteBoolean("on_disk_payload", parameters.OnDiskPayload);
        writer.WriteEndObject();
    }

    private static void Vector(Utf8JsonWriter writer, G.VectorParams vector)
    {
        writer.WriteStartObject();
        writer.WriteNumber("size", vector.Size);
        writer.WriteString("distance", vector.Distance.ToString());
        if (vector.HasOnDisk) writer.WriteBoolean("on_disk", vector.OnDisk);
        if (vector.HnswConfig is { } hnsw)
        {
            writer.WritePropertyName("hnsw_config");
            HnswDiff(writer, hnsw);
        }

        if (vector.QuantizationConfig is { } quantization && Quantization(quantization) is { } write)
        {
            writer.WritePropertyName("quantization_config");
            write(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>The collection's HNSW config: Qdrant's REST shape requires m, ef_construct and full_scan_threshold.</summary>
    private static void Hnsw(Utf8JsonWriter writer, G.HnswConfigDiff hnsw)
    {
        var full = hnsw.Clone();
        if (!full.HasM) full.M = 16;
        if (!full.HasEfConstruct) full.EfConstruct = 100;
        if (!full.HasFullScanThreshold) full.FullScanThreshold = 10_000;
        HnswDiff(writer, full);
    }

    private static void HnswDiff(Utf8JsonWriter writer, G.HnswConfigDiff hnsw)
    {
        writer.WriteStartObject();
        if (hnsw.HasM) writer.WriteNumber("m", hnsw.M);
        if (hnsw.HasEfConstruct) writer.WriteNumber("ef_construct", hnsw.EfConstruct);
        if (hnsw.HasFullScanThreshold) writer.WriteNumber("full_scan_threshold", hnsw.FullScanThreshold);
        if (hnsw.HasMaxIndexingThreads) writer.WriteNumber("max_indexing_threads", hnsw.MaxIndexingThreads);
        if (hnsw.HasOnDisk) writer.WriteBoolean("on_disk", hnsw.OnDisk);
        if (hnsw.HasPayloadM) writer.WriteNumber("payload_m", hnsw.PayloadM);
        if (hnsw.HasInlineStorage) writer.WriteBoolean("inline_storage", hnsw.InlineStorage);
        writer.WriteEndObject();
    }

    /// <summary>The optimizer config: Qdrant's REST shape requires default_segment_number and flush_interval_sec.</summary>
    private static void Optimizers(Utf8JsonWriter writer, G.OptimizersConfigDiff optimizers)
    {
        writer.WriteStartObject();
        if (optimizers.HasDeletedThreshold) writer.WriteNumber("deleted_threshold", optimizers.DeletedThreshold);
        if (optimizers.HasVacuumMinVectorNumber) writer.WriteNumber("vacuum_min_vector_number", optimizers.VacuumMinVectorNumber);
        writer.WriteNumber("default_segment_number", optimizers.HasDefaultSegmentNumber ? optimizers.DefaultSegmentNumber : 0);
        if (optimizers.HasMaxSegmentSize) writer.WriteNumber("max_segment_size", optimizers.MaxSegmentSize);
        if (optimizers.HasMemmapThreshold) writer.WriteNumber("memmap_threshold", optimizers.MemmapThreshold);
        if (optimizers.HasIndexingThreshold) writer.WriteNumber("indexing_threshold", optimizers.IndexingThreshold);
        writer.WriteNumber("flush_interval_sec", optimizers.HasFlushIntervalSec ? optimizers.FlushIntervalSec : 5);
        if (optimizers.MaxOptimizationThreads is { } threads)
        {
            // Qdrant's REST form has a number or null, where null means "chosen automatically".
            writer.WritePropertyName("max_optimization_threads");
            if (threads.VariantCase == G.MaxOptimizationThreads.VariantOneofCase.Value)
            {
                writer.WriteNumberValue(threads.Value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        if (optimizers.HasPreventUnoptimized) writer.WriteBoolean("prevent_unoptimized", optimizers.PreventUnoptimized);
        writer.WriteEndObject();
    }

    private static Action<Utf8JsonWriter>? Quantization(G.QuantizationConfig config) => config.QuantizationCase switch
    {
        G.QuantizationConfig.QuantizationOneofCase.Scalar => writer => Kind(writer, "scalar", () =>
        {
            writer.WriteString("type", "int8");
            if (config.Scalar.HasQuantile) writer.WriteNumber("quantile", config.Scalar.Quantile);
            if (config.Scalar.HasAlwaysRam) writer.WriteBoolean("always_ram", config.Scalar.AlwaysRam);
        }),
        G.QuantizationConfig.QuantizationOneofCase.Product => writer => Kind(writer, "product", () =>
        {
            writer.WriteString("compression", config.Product.Compression.ToString().ToLowerInvariant());
            if (config.Product.HasAlwaysRam) writer.WriteBoolean("always_ram", config.Product.AlwaysRam);
        }),
        G.QuantizationConfig.QuantizationOneofCase.Binary => writer => Kind(writer, "binary", () =>
        {
            if (config.Binary.HasAlwaysRam) writer.WriteBoolean("always_ram", config.Binary.AlwaysRam);
        }),
        // Kinds newer than the REST document the router follows are left out rather than written in a shape it lacks.
        _ => null,
    };

    private static void Kind(Utf8JsonWriter writer, string kind, Action fields)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(kind);
        fields();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
