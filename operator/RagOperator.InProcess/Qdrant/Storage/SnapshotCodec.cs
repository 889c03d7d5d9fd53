using System.Buffers;
using System.Text.Json;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// The in-process server's snapshot file: one JSON document with the collection's settings, payload indexes and
/// points (every named dense and sparse vector as stored, versions kept). Not Qdrant's tar format; it restores into
/// this server only.
/// </summary>
internal static class SnapshotCodec
{
    private const string Format = "ragoperator-inprocess-qdrant-snapshot/v2";

    public static byte[] Write(InProcessCollection collection)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var parameters = collection.Params;
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("collection", collection.Name);
            WriteVectorsConfig(writer, parameters);
            writer.WriteNumber("shard_number", parameters.ShardNumber);
            writer.WriteNumber("replication_factor", parameters.ReplicationFactor);
            writer.WriteNumber("write_consistency_factor", parameters.WriteConsistencyFactor);
            writer.WriteBoolean("on_disk_payload", parameters.OnDiskPayload);
            writer.WriteString("hnsw", JsonSerializer.Serialize(collection.Hnsw));
            writer.WriteString("optimizers", JsonSerializer.Serialize(collection.Optimizers));
            if (collection.QuantizationJson is { } quantization)
            {
                writer.WriteString("quantization", quantization);
            }

            writer.WriteNumber("last_operation_id", collection.LastOperationId);
            writer.WriteStartObject("payload_indexes");
            foreach (var (field, index, _) in collection.PayloadSchema())
            {
                writer.WriteStartObject(field);
                writer.WriteString("type", index.DataType);
                if (index.ParamsJson is not null)
                {
                    writer.WriteString("params", index.ParamsJson);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartArray("points");
            foreach (var point in collection.All())
            {
                writer.WriteStartObject();
                writer.WritePropertyName("id");
                point.Id.Write(writer);
                writer.WriteNumber("version", point.Version);
                WritePointVectors(writer, point.Vectors!);
                writer.WritePropertyName("payload");
                point.Payload.Write(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A new collection named <paramref name="name"/> holding the snapshot's settings and points.</summary>
    public static InProcessCollection Read(byte[] snapshot, string name)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(snapshot);
        }
        catch (JsonException)
        {
            throw QdrantHttpError.BadInput("Snapshot is not a valid in-process Qdrant snapshot");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetString() != Format)
            {
                throw QdrantHttpError.BadInput("Snapshot is not a valid in-process Qdrant snapshot");
            }

            var collection = new InProcessCollection(name, new CollectionParamsSettings
            {
                Vectors = ReadDenseConfig(root.GetProperty("vectors")),
                NamedVectors = root.GetProperty("named_vectors").GetBoolean(),
                SparseVectors = ReadSparseConfig(root.GetProperty("sparse_vectors")),
                ShardNumber = root.GetProperty("shard_number").GetUInt32(),
                ReplicationFactor = root.GetProperty("replication_factor").GetUInt32(),
                WriteConsistencyFactor = root.GetProperty("write_consistency_factor").GetUInt32(),
                OnDiskPayload = root.GetProperty("on_disk_payload").GetBoolean(),
            });
            collection.Configure(
                hnsw: JsonSerializer.Deserialize<HnswSettings>(root.GetProperty("hnsw").GetString()!),
                optimizers: JsonSerializer.Deserialize<OptimizerSettings>(root.GetProperty("optimizers").GetString()!),
                quantizationJson: root.TryGetProperty("quantization", out var quantization) ? quantization.GetString() : null,
                setQuantization: true);
            foreach (var index in root.GetProperty("payload_indexes").EnumerateObject())
            {
                collection.SetPayloadIndex(index.Name, new PayloadIndexSettings(
                    index.Value.GetProperty("type").GetString()!,
                    index.Value.TryGetProperty("params", out var parameters) ? parameters.GetString() : null));
            }

            collection.Restore(
                root.GetProperty("points").EnumerateArray().Select(point => (
                    PointKey.Read(point.GetProperty("id")),
                    ReadPointVectors(point),
                    PayloadObject.FromElement(point.GetProperty("payload")),
                    point.GetProperty("version").GetUInt64())).ToList(),
                root.GetProperty("last_operation_id").GetUInt64());
            return collection;
        }
    }

    private static void WriteVectorsConfig(Utf8JsonWriter writer, CollectionParamsSettings parameters)
    {
        writer.WriteBoolean("named_vectors", parameters.NamedVectors);
        writer.WriteStartObject("vectors");
        foreach (var (vectorName, vector) in parameters.Vectors)
        {
            writer.WriteStartObject(vectorName);
            writer.WriteNumber("size", vector.Size);
            writer.WriteString("distance", DistanceKinds.Name(vector.Distance));
            WriteOptional(writer, "on_disk", vector.OnDisk);
            WriteOptional(writer, "hnsw", vector.HnswJson);
            WriteOptional(writer, "quantization", vector.QuantizationJson);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteStartObject("sparse_vectors");
        foreach (var (vectorName, sparse) in parameters.SparseVectors)
        {
            writer.WriteStartObject(vectorName);
            WriteOptional(writer, "modifier", sparse.Modifier);
            WriteOptional(writer, "index", sparse.IndexJson);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string property, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(property, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string property, bool? value)
    {
        if (value is { } flag)
        {
            writer.WriteBoolean(property, flag);
        }
    }

    private static Dictionary<string, DenseVectorSettings> ReadDenseConfig(JsonElement vectors) =>
        vectors.EnumerateObject().ToDictionary(
            entry => entry.Name,
            entry => new DenseVectorSettings
            {
                Size = entry.Value.GetProperty("size").GetUInt64(),
                Distance = DistanceKinds.TryParse(entry.Value.GetProperty("distance").GetString(), out var distance)
                    ? distance
                    : throw QdrantHttpError.BadInput("Snapshot names an unknown distance"),
                OnDisk = entry.Value.TryGetProperty("on_disk", out var onDisk) ? onDisk.GetBoolean() : null,
                HnswJson = entry.Value.TryGetProperty("hnsw", out var hnsw) ? hnsw.GetString() : null,
                QuantizationJson = entry.Value.TryGetProperty("quantization", out var quantization) ? quantization.GetString() : null,
            },
            StringComparer.Ordinal);

    private static Dictionary<string, SparseVectorSettings> ReadSparseConfig(JsonElement sparse) =>
        sparse.EnumerateObject().ToDictionary(
            entry => entry.Name,
            entry => new SparseVectorSettings
            {
                Modifier = entry.Value.TryGetProperty("modifier", out var modifier) ? modifier.GetString() : null,
                IndexJson = entry.Value.TryGetProperty("index", out var index) ? index.GetString() : null,
            },
            StringComparer.Ordinal);

    private static void WritePointVectors(Utf8JsonWriter writer, PointVectors vectors)
    {
        writer.WriteStartObject("vectors");
        foreach (var (vectorName, vector) in vectors.Dense)
        {
            writer.WriteStartArray(vectorName);
            foreach (var component in vector)
            {
                writer.WriteNumberValue(component);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteStartObject("sparse");
        foreach (var (vectorName, vector) in vectors.Sparse)
        {
            writer.WriteStartObject(vectorName);
            writer.WriteStartArray("indices");
            foreach (var index in vector.Indices)
            {
                writer.WriteNumberValue(index);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("values");
            foreach (var value in vector.Values)
            {
                writer.WriteNumberValue(value);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static PointVectors ReadPointVectors(JsonElement point) =>
        new(
            point.GetProperty("vectors").EnumerateObject().ToDictionary(
                entry => entry.Name, entry => entry.Value.EnumerateArray().Select(component => component.GetSingle()).ToArray(), StringComparer.Ordinal),
            point.GetProperty("sparse").EnumerateObject().ToDictionary(
                entry => entry.Name,
                entry => SparseVectorValue.Create(
                    entry.Value.GetProperty("indices").EnumerateArray().Select(index => index.GetUInt32()).ToArray(),
                    entry.Value.GetProperty("values").EnumerateArray().Select(value => value.GetSingle()).ToArray()),
                StringComparer.Ordinal));
}
