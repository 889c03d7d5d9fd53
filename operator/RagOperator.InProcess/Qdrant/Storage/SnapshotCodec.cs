using System.Buffers;
using System.Text.Json;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// The in-process server's snapshot file: one JSON document with the collection's settings, payload indexes and
/// points (vectors as stored, versions kept). Not Qdrant's tar format; it restores into this server only.
/// </summary>
internal static class SnapshotCodec
{
    private const string Format = "ragoperator-inprocess-qdrant-snapshot/v1";

    public static byte[] Write(InProcessCollection collection)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var parameters = collection.Params;
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("collection", collection.Name);
            writer.WriteNumber("size", parameters.Size);
            writer.WriteString("distance", DistanceKinds.Name(parameters.Distance));
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
                writer.WriteStartArray("vector");
                foreach (var component in point.Vector!)
                {
                    writer.WriteNumberValue(component);
                }

                writer.WriteEndArray();
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

            if (!DistanceKinds.TryParse(root.GetProperty("distance").GetString(), out var distance))
            {
                throw QdrantHttpError.BadInput("Snapshot names an unknown distance");
            }

            var collection = new InProcessCollection(name, new CollectionParamsSettings
            {
                Size = root.GetProperty("size").GetUInt64(),
                Distance = distance,
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
                    point.GetProperty("vector").EnumerateArray().Select(component => component.GetSingle()).ToArray(),
                    PayloadObject.FromElement(point.GetProperty("payload")),
                    point.GetProperty("version").GetUInt64())).ToList(),
                root.GetProperty("last_operation_id").GetUInt64());
            return collection;
        }
    }
}
