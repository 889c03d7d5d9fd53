using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>Collection endpoints: list, create, get, update (PATCH), delete, payload indexes.</summary>
internal sealed partial class QdrantApi
{
    internal const ulong MaxDimension = 65536;

    private static readonly string[] PayloadTypes = ["keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid"];

    private Task ListCollectionsAsync(HttpContext context, long started) =>
        QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("collections");
            foreach (var name in collections.Names)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    private async Task CreateCollectionAsync(HttpContext context, string name, long started)
    {
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "CreateCollection");
        var (dense, named) = RequestJson.TryGet(body, "vectors", out var vectors)
            ? ReadVectorsConfig(RequestJson.RequireObject(vectors, "VectorsConfig"))
            : (new Dictionary<string, DenseVectorSettings>(StringComparer.Ordinal), true);
        var sparse = RequestJson.TryGet(body, "sparse_vectors", out var sparseElement)
            ? ReadSparseVectorsConfig(RequestJson.RequireObject(sparseElement, "SparseVectorsConfig"))
            : new Dictionary<string, SparseVectorSettings>(StringComparer.Ordinal);
        if (dense.Keys.FirstOrDefault(sparse.ContainsKey) is { } clash)
        {
            throw QdrantHttpError.BadInput($"Vector name `{clash}` is used for both a dense and a sparse vector");
        }

        if (RequestJson.OptionalString(body, "sharding_method") is "custom")
        {
            throw QdrantHttpError.Unsupported("Custom sharding");
        }

        var parameters = new CollectionParamsSettings
        {
            Vectors = dense,
            NamedVectors = named,
            SparseVectors = sparse,
            ShardNumber = (uint)(RequestJson.OptionalUnsigned(body, "shard_number", string.Empty, 1) ?? 1),
            ReplicationFactor = (uint)(RequestJson.OptionalUnsigned(body, "replication_factor", string.Empty, 1) ?? 1),
            WriteConsistencyFactor = (uint)(RequestJson.OptionalUnsigned(body, "write_consistency_factor", string.Empty, 1) ?? 1),
            OnDiskPayload = RequestJson.OptionalBool(body, "on_disk_payload") ?? true,
        };
        var hnsw = RequestJson.TryGet(body, "hnsw_config", out var hnswElement) ? ApplyHnswDiff(new HnswSettings(), hnswElement, "hnsw_config") : null;
        var optimizers = RequestJson.TryGet(body, "optimizers_config", out var optimizersElement)
            ? ApplyOptimizersDiff(new OptimizerSettings(), optimizersElement, "optimizers_config")
            : null;
        var quantization = RequestJson.TryGet(body, "quantization_config", out var quantizationElement)
            ? ValidateQuantization(quantizationElement, "quantization_config", allowDisabled: false)
            : null;

        collections.Create(name, parameters, hnsw, optimizers, quantization, _cluster);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private async Task UpdateCollectionAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "UpdateCollection");

        var parameters = collection.Params;
        var hnsw = collection.Hnsw;
        var optimizers = collection.Optimizers;
        var quantization = collection.QuantizationJson;
        var quantizationChanged = false;

        if (RequestJson.TryGet(body, "vectors", out var vectors))
        {
            var updated = parameters.Vectors.ToDictionary(StringComparer.Ordinal);
            foreach (var entry in RequestJson.RequireObject(vectors, "VectorsConfigDiff").EnumerateObject())
            {
                var vector = updated.TryGetValue(entry.Name, out var found) ? found : throw QdrantHttpError.VectorNameNotExists(entry.Name);
                var diff = RequestJson.RequireObject(entry.Value, "VectorParamsDiff");
                if (RequestJson.TryGet(diff, "hnsw_config", out var vectorHnsw))
                {
                    ApplyHnswDiff(hnsw, vectorHnsw, $"vectors.{entry.Name}.hnsw_config");
                    vector = vector with { HnswJson = MergeJson(vector.HnswJson, vectorHnsw) };
                }

                if (RequestJson.TryGet(diff, "quantization_config", out var vectorQuantization))
                {
                    vector = vector with
                    {
                        QuantizationJson = ValidateQuantization(vectorQuantization, $"vectors.{entry.Name}.quantization_config", allowDisabled: true),
                    };
                }

                if (RequestJson.OptionalBool(diff, "on_disk") is { } onDisk)
                {
                    vector = vector with { OnDisk = onDisk };
                }

                updated[entry.Name] = vector;
            }

            parameters = parameters with { Vectors = updated };
        }

        if (RequestJson.TryGet(body, "sparse_vectors", out var sparseDiff))
        {
            var updated = parameters.SparseVectors.ToDictionary(StringComparer.Ordinal);
            foreach (var entry in RequestJson.RequireObject(sparseDiff, "SparseVectorsConfig").EnumerateObject())
            {
                var current = updated.TryGetValue(entry.Name, out var found) ? found : throw QdrantHttpError.VectorNameNotExists(entry.Name);
                var diff = ReadSparseParams(entry.Value);
                updated[entry.Name] = current with { Modifier = diff.Modifier ?? current.Modifier, IndexJson = diff.IndexJson ?? current.IndexJson };
            }

            parameters = parameters with { SparseVectors = updated };
        }

        if (RequestJson.TryGet(body, "params", out var paramsDiff))
        {
            RequestJson.RequireObject(paramsDiff, "CollectionParamsDiff");
            parameters = parameters with
            {
                ReplicationFactor = (uint)(RequestJson.OptionalUnsigned(paramsDiff, "replication_factor", "params", 1) ?? parameters.ReplicationFactor),
                WriteConsistencyFactor = (uint)(RequestJson.OptionalUnsigned(paramsDiff, "write_consistency_factor", "params", 1) ?? parameters.WriteConsistencyFactor),
                OnDiskPayload = RequestJson.OptionalBool(paramsDiff, "on_disk_payload") ?? parameters.OnDiskPayload,
            };
        }

        if (RequestJson.TryGet(body, "hnsw_config", out var hnswDiff))
        {
            hnsw = ApplyHnswDiff(hnsw, hnswDiff, "hnsw_config");
        }

        if (RequestJson.TryGet(body, "optimizers_config", out var optimizersDiff))
        {
            optimizers = ApplyOptimizersDiff(optimizers, optimizersDiff, "optimizers_config");
        }

        if (RequestJson.TryGet(body, "quantization_config", out var quantizationDiff))
        {
            quantization = ValidateQuantization(quantizationDiff, "quantization_config", allowDisabled: true);
            quantizationChanged = true;
        }

        collection.Configure(parameters, hnsw, optimizers, quantization, quantizationChanged);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private async Task DeleteCollectionAsync(HttpContext context, string name, long started)
    {
        var removed = collections.Delete(name, _cluster);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(removed));
    }

    private async Task GetCollectionAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        var count = collection.Count;
        var schema = collection.PayloadSchema();
        var parameters = collection.Params;
        var hnsw = collection.Hnsw;
        var optimizers = collection.Optimizers;
        var quantization = collection.QuantizationJson;
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "green");
            writer.WriteString("optimizer_status", "ok");
            // No HNSW graph is built: every search is exact, so no vector counts as indexed.
            writer.WriteNumber("indexed_vectors_count", 0);
            writer.WriteNumber("points_count", count);
            writer.WriteNumber("segments_count", 1);
            writer.WriteStartObject("config");
            writer.WritePropertyName("params");
            parameters.Write(writer);
            writer.WritePropertyName("hnsw_config");
            hnsw.Write(writer);
            writer.WritePropertyName("optimizer_config");
            optimizers.Write(writer);
            writer.WriteStartObject("wal_config");
            writer.WriteNumber("wal_capacity_mb", 32);
            writer.WriteNumber("wal_segments_ahead", 0);
            writer.WriteNumber("wal_retain_closed", 1);
            writer.WriteEndObject();
            writer.WritePropertyName("quantization_config");
            if (quantization is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(quantization, skipInputValidation: true);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("payload_schema");
            foreach (var (field, index, points) in schema)
            {
                writer.WriteStartObject(field);
                writer.WriteString("data_type", index.DataType);
                if (index.ParamsJson is not null)
                {
                    writer.WritePropertyName("params");
                    writer.WriteRawValue(index.ParamsJson, skipInputValidation: true);
                }

                writer.WriteNumber("points", points);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private async Task CreateIndexAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        var wait = ReadWait(context);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "CreateFieldIndex");
        var field = RequestJson.OptionalString(body, "field_name") ?? throw QdrantHttpError.Format("missing field `field_name`");
        if (!RequestJson.TryGet(body, "field_schema", out var schema))
        {
            throw QdrantHttpError.BadInput("Can't auto-detect field type, please specify `field_schema` in the request");
        }

        var (dataType, paramsJson) = schema.ValueKind switch
        {
            JsonValueKind.String => (schema.GetString()!, (string?)null),
            JsonValueKind.Object => (RequestJson.OptionalString(schema, "type") ?? throw QdrantHttpError.Format("missing field `type`"), schema.GetRawText()),
            _ => throw QdrantHttpError.Format("data did not match any variant of untagged enum PayloadFieldSchema"),
        };
        if (!PayloadTypes.Contains(dataType))
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum PayloadFieldSchema");
        }

        var operation = collection.SetPayloadIndex(field, new PayloadIndexSettings(dataType, paramsJson));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteUpdateResult(writer, operation, wait));
    }

    private async Task DeleteIndexAsync(HttpContext context, string name, string field, long started)
    {
        var collection = Collection(name);
        var wait = ReadWait(context);
        var operation = collection.SetPayloadIndex(field, null);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteUpdateResult(writer, operation, wait));
    }

    private static HnswSettings ApplyHnswDiff(HnswSettings current, JsonElement diff, string path)
    {
        RequestJson.RequireObject(diff, "HnswConfigDiff");
        return current with
        {
            M = RequestJson.OptionalUnsigned(diff, "m", path) ?? current.M,
            EfConstruct = RequestJson.OptionalUnsigned(diff, "ef_construct", path, 4) ?? current.EfConstruct,
            FullScanThreshold = RequestJson.OptionalUnsigned(diff, "full_scan_threshold", path, 10) ?? current.FullScanThreshold,
            MaxIndexingThreads = RequestJson.OptionalUnsigned(diff, "max_indexing_threads", path) ?? current.MaxIndexingThreads,
            OnDisk = RequestJson.OptionalBool(diff, "on_disk") ?? current.OnDisk,
            PayloadM = RequestJson.OptionalUnsigned(diff, "payload_m", path) ?? current.PayloadM,
        };
    }

    private static OptimizerSettings ApplyOptimizersDiff(OptimizerSettings current, JsonElement diff, string path)
    {
        RequestJson.RequireObject(diff, "OptimizersConfigDiff");
        var deleted = RequestJson.OptionalDouble(diff, "deleted_threshold");
        if (deleted is < 0 or > 1)
        {
            throw QdrantHttpError.Validation($"{path}.deleted_threshold", $"value {deleted} invalid, must be in range 0..1");
        }

        ulong? maxThreads = current.MaxOptimizationThreads;
        if (RequestJson.TryGet(diff, "max_optimization_threads", out var threads))
        {
            maxThreads = threads.ValueKind == JsonValueKind.String && threads.GetString() == "auto"
                ? null
                : RequestJson.OptionalUnsigned(diff, "max_optimization_threads", path);
        }

        return current with
        {
            DeletedThreshold = deleted ?? current.DeletedThreshold,
            VacuumMinVectorNumber = RequestJson.OptionalUnsigned(diff, "vacuum_min_vector_number", path, 100) ?? current.VacuumMinVectorNumber,
            DefaultSegmentNumber = RequestJson.OptionalUnsigned(diff, "default_segment_number", path) ?? current.DefaultSegmentNumber,
            MaxSegmentSize = RequestJson.OptionalUnsigned(diff, "max_segment_size", path, 1) ?? current.MaxSegmentSize,
            IndexingThreshold = RequestJson.OptionalUnsigned(diff, "indexing_threshold", path) ?? current.IndexingThreshold,
            FlushIntervalSec = RequestJson.OptionalUnsigned(diff, "flush_interval_sec", path) ?? current.FlushIntervalSec,
            MaxOptimizationThreads = maxThreads,
        };
    }

    /// <summary>Checks a quantization config against Qdrant's union; returns its JSON (null for "Disabled").</summary>
    private static string? ValidateQuantization(JsonElement config, string path, bool allowDisabled)
    {
        if (config.ValueKind == JsonValueKind.String && config.GetString() == "Disabled" && allowDisabled)
        {
            return null;
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum QuantizationConfig");
        }

        if (RequestJson.TryGet(config, "scalar", out var scalar))
        {
            RequestJson.RequireObject(scalar, "ScalarQuantizationConfig");
            if (RequestJson.OptionalString(scalar, "type") != "int8")
            {
                throw QdrantHttpError.Format("data did not match any variant of untagged enum QuantizationConfig");
            }

            if (RequestJson.OptionalDouble(scalar, "quantile") is { } quantile && quantile is < 0.5 or > 1.0)
            {
                throw QdrantHttpError.Validation($"{path}.scalar.quantile", $"value {quantile} invalid, must be from 0.5 to 1.0");
            }

            RequestJson.OptionalBool(scalar, "always_ram");
        }
        else if (RequestJson.TryGet(config, "product", out var product))
        {
            RequestJson.RequireObject(product, "ProductQuantizationConfig");
            if (RequestJson.OptionalString(product, "compression") is not ("x4" or "x8" or "x16" or "x32" or "x64"))
            {
                throw QdrantHttpError.Format("data did not match any variant of untagged enum QuantizationConfig");
            }

            RequestJson.OptionalBool(product, "always_ram");
        }
        else if (RequestJson.TryGet(config, "binary", out var binary))
        {
            RequestJson.RequireObject(binary, "BinaryQuantizationConfig");
            RequestJson.OptionalBool(binary, "always_ram");
        }
        else if (!RequestJson.TryGet(config, "turbo", out _))
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum QuantizationConfig");
        }

        return config.GetRawText();
    }
}
