using System.Text.Json;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>HNSW settings as reported in <c>config.hnsw_config</c> (stored and echoed; search is exact regardless).</summary>
internal sealed record HnswSettings
{
    public ulong M { get; init; } = 16;
    public ulong EfConstruct { get; init; } = 100;
    public ulong FullScanThreshold { get; init; } = 10000;
    public ulong MaxIndexingThreads { get; init; }
    public bool OnDisk { get; init; }
    public ulong? PayloadM { get; init; }

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("m", M);
        writer.WriteNumber("ef_construct", EfConstruct);
        writer.WriteNumber("full_scan_threshold", FullScanThreshold);
        writer.WriteNumber("max_indexing_threads", MaxIndexingThreads);
        writer.WriteBoolean("on_disk", OnDisk);
        if (PayloadM is { } payloadM)
        {
            writer.WriteNumber("payload_m", payloadM);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Optimizer settings as reported in <c>config.optimizer_config</c> (there is no optimizer to run).</summary>
internal sealed record OptimizerSettings
{
    public double DeletedThreshold { get; init; } = 0.2;
    public ulong VacuumMinVectorNumber { get; init; } = 1000;
    public ulong DefaultSegmentNumber { get; init; }
    public ulong? MaxSegmentSize { get; init; }
    public ulong? IndexingThreshold { get; init; } = 10000;
    public ulong FlushIntervalSec { get; init; } = 5;
    public ulong? MaxOptimizationThreads { get; init; }

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("deleted_threshold", DeletedThreshold);
        writer.WriteNumber("vacuum_min_vector_number", VacuumMinVectorNumber);
        writer.WriteNumber("default_segment_number", DefaultSegmentNumber);
        WriteOptional(writer, "max_segment_size", MaxSegmentSize);
        writer.WriteNull("memmap_threshold");
        WriteOptional(writer, "indexing_threshold", IndexingThreshold);
        writer.WriteNumber("flush_interval_sec", FlushIntervalSec);
        WriteOptional(writer, "max_optimization_threads", MaxOptimizationThreads);
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, ulong? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}

/// <summary>
/// Collection-level parameters as reported in <c>config.params</c>. <see cref="Vectors"/> holds the dense vectors by
/// name; a collection created with the single-vector form has just the unnamed one (<c>""</c>) and reports it in
/// that form (<see cref="NamedVectors"/> false).
/// </summary>
internal sealed record CollectionParamsSettings
{
    public required IReadOnlyDictionary<string, DenseVectorSettings> Vectors { get; init; }
    public bool NamedVectors { get; init; }
    public IReadOnlyDictionary<string, SparseVectorSettings> SparseVectors { get; init; } = new Dictionary<string, SparseVectorSettings>();
    public uint ShardNumber { get; init; } = 1;
    public uint ReplicationFactor { get; init; } = 1;
    public uint WriteConsistencyFactor { get; init; } = 1;
    public bool OnDiskPayload { get; init; } = true;

    /// <summary>The unnamed vector of a collection in the single-vector form, else null.</summary>
    public DenseVectorSettings? Unnamed => !NamedVectors && Vectors.TryGetValue(string.Empty, out var unnamed) ? unnamed : null;

    public static CollectionParamsSettings Single(ulong size, DistanceKind distance, bool? onDisk = null) => new()
    {
        Vectors = new Dictionary<string, DenseVectorSettings>(StringComparer.Ordinal)
        {
            [string.Empty] = new DenseVectorSettings { Size = size, Distance = distance, OnDisk = onDisk },
        },
    };

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("vectors");
        if (Unnamed is { } unnamed)
        {
            WriteDense(writer, unnamed);
        }
        else
        {
            writer.WriteStartObject();
            foreach (var (name, vector) in Vectors.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(name);
                WriteDense(writer, vector);
            }

            writer.WriteEndObject();
        }

        writer.WriteNumber("shard_number", ShardNumber);
        writer.WriteNumber("replication_factor", ReplicationFactor);
        writer.WriteNumber("write_consistency_factor", WriteConsistencyFactor);
        writer.WriteBoolean("on_disk_payload", OnDiskPayload);
        if (SparseVectors.Count > 0)
        {
            writer.WriteStartObject("sparse_vectors");
            foreach (var (name, sparse) in SparseVectors.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(name);
                if (sparse.IndexJson is { } index)
                {
                    writer.WritePropertyName("index");
                    writer.WriteRawValue(index, skipInputValidation: true);
                }

                if (sparse.Modifier is { } modifier)
                {
                    writer.WriteString("modifier", modifier);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteDense(Utf8JsonWriter writer, DenseVectorSettings vector)
    {
        writer.WriteStartObject();
        writer.WriteNumber("size", vector.Size);
        writer.WriteString("distance", DistanceKinds.Name(vector.Distance));
        if (vector.HnswJson is { } hnsw)
        {
            writer.WritePropertyName("hnsw_config");
            writer.WriteRawValue(hnsw, skipInputValidation: true);
        }

        if (vector.QuantizationJson is { } quantization)
        {
            writer.WritePropertyName("quantization_config");
            writer.WriteRawValue(quantization, skipInputValidation: true);
        }

        if (vector.OnDisk is { } onDisk)
        {
            writer.WriteBoolean("on_disk", onDisk);
        }

        writer.WriteEndObject();
    }
}

/// <summary>A payload index: its type and, when given in object form, its parameters as JSON text.</summary>
internal sealed record PayloadIndexSettings(string DataType, string? ParamsJson);
