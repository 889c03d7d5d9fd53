using System.Text.Json.Nodes;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Handlers;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Grpc;

// See CollectionsGrpcService.cs: the server reads and echoes the deprecated on_disk settings.
#pragma warning disable CS0612

/// <summary>
/// A collection's vectors over gRPC: the single or named dense vectors (<c>VectorsConfig</c>) and the sparse ones
/// (<c>SparseVectorConfig</c>), read on create and update and reported by get. Per-vector HNSW, quantization and
/// sparse index settings are kept in the REST face's JSON form, so a collection reads back the same over both faces.
/// </summary>
internal partial class CollectionsGrpcService
{
    private static (Dictionary<string, DenseVectorSettings> Vectors, bool Named) ReadVectorsConfig(VectorsConfig? config) =>
        config?.ConfigCase switch
        {
            VectorsConfig.ConfigOneofCase.Params =>
                (new Dictionary<string, DenseVectorSettings>(StringComparer.Ordinal) { [string.Empty] = ReadVectorParams(config.Params, "vectors_config.params") }, false),
            VectorsConfig.ConfigOneofCase.ParamsMap => (config.ParamsMap.Map.ToDictionary(
                entry => entry.Key, entry => ReadVectorParams(entry.Value, $"vectors_config.params_map.{entry.Key}"), StringComparer.Ordinal), true),
            _ => (new Dictionary<string, DenseVectorSettings>(StringComparer.Ordinal), true),
        };

    private static DenseVectorSettings ReadVectorParams(VectorParams vector, string path)
    {
        if (vector.Size is 0 or > QdrantApi.MaxDimension)
        {
            throw QdrantHttpError.BadInput($"Validation error: {path}.size: value {vector.Size} invalid, must be from 1 to {QdrantApi.MaxDimension}");
        }

        var distance = vector.Distance switch
        {
            Distance.Cosine => DistanceKind.Cosine,
            Distance.Euclid => DistanceKind.Euclid,
            Distance.Dot => DistanceKind.Dot,
            Distance.Manhattan => DistanceKind.Manhattan,
            _ => throw QdrantHttpError.BadInput("Malformed VectorParams: distance is not set"),
        };
        if (vector.HasDatatype && vector.Datatype != Datatype.Float32)
        {
            throw QdrantHttpError.Unsupported($"The `{vector.Datatype}` vector datatype");
        }

        if (vector.MultivectorConfig is not null)
        {
            throw QdrantHttpError.Unsupported("Multivectors");
        }

        if (vector.HnswConfig is { } hnsw)
        {
            ApplyHnsw(new HnswSettings(), hnsw);
        }

        return new DenseVectorSettings
        {
            Size = vector.Size,
            Distance = distance,
            OnDisk = vector.HasOnDisk ? vector.OnDisk : null,
            HnswJson = vector.HnswConfig is { } diff ? HnswJson(null, diff) : null,
            QuantizationJson = vector.QuantizationConfig is { } quantization ? QuantizationJson(quantization) : null,
        };
    }

    private static Dictionary<string, SparseVectorSettings> ReadSparseConfig(SparseVectorConfig? config) =>
        config is null
            ? new Dictionary<string, SparseVectorSettings>(StringComparer.Ordinal)
            : config.Map.ToDictionary(entry => entry.Key, entry => ReadSparseParams(entry.Value), StringComparer.Ordinal);

    private static SparseVectorSettings ReadSparseParams(SparseVectorParams parameters)
    {
        string? index = null;
        if (parameters.Index is { } config)
        {
            var json = new JsonObject();
            if (config.HasFullScanThreshold) json["full_scan_threshold"] = config.FullScanThreshold;
            if (config.HasOnDisk) json["on_disk"] = config.OnDisk;
            index = json.ToJsonString();
        }

        return new SparseVectorSettings
        {
            Modifier = parameters.HasModifier ? (parameters.Modifier == Modifier.Idf ? "idf" : "none") : null,
            IndexJson = index,
        };
    }

    /// <summary>Applies a <c>VectorsConfigDiff</c>: the single form reaches the unnamed vector, the map form named ones.</summary>
    private static CollectionParamsSettings ApplyVectorsDiff(CollectionParamsSettings parameters, VectorsConfigDiff diff)
    {
        var updated = parameters.Vectors.ToDictionary(StringComparer.Ordinal);
        var diffs = diff.ConfigCase == VectorsConfigDiff.ConfigOneofCase.Params
            ? new Dictionary<string, VectorParamsDiff> { [string.Empty] = diff.Params }
            : diff.ParamsMap.Map.ToDictionary(entry => entry.Key, entry => entry.Value);
        foreach (var (name, change) in diffs)
        {
            var vector = updated.TryGetValue(name, out var found) ? found : throw QdrantHttpError.VectorNameNotExists(name);
            if (change.HnswConfig is { } hnsw)
            {
                ApplyHnsw(new HnswSettings(), hnsw);
                vector = vector with { HnswJson = HnswJson(vector.HnswJson, hnsw) };
            }

            if (change.QuantizationConfig is { } quantization)
            {
                vector = vector with { QuantizationJson = QuantizationJson(quantization) };
            }

            if (change.HasOnDisk)
            {
                vector = vector with { OnDisk = change.OnDisk };
            }

            updated[name] = vector;
        }

        return parameters with { Vectors = updated };
    }

    private static CollectionParamsSettings ApplySparseDiff(CollectionParamsSettings parameters, SparseVectorConfig diff)
    {
        var updated = parameters.SparseVectors.ToDictionary(StringComparer.Ordinal);
        foreach (var (name, change) in diff.Map)
        {
            var current = updated.TryGetValue(name, out var found) ? found : throw QdrantHttpError.VectorNameNotExists(name);
            var read = ReadSparseParams(change);
            updated[name] = current with { Modifier = read.Modifier ?? current.Modifier, IndexJson = read.IndexJson ?? current.IndexJson };
        }

        return parameters with { SparseVectors = updated };
    }

    private static VectorsConfig VectorsConfigOf(CollectionParamsSettings parameters)
    {
        if (parameters.Unnamed is { } unnamed)
        {
            return new VectorsConfig { Params = VectorParamsOf(unnamed) };
        }

        var map = new VectorParamsMap();
        foreach (var (name, vector) in parameters.Vectors)
        {
            map.Map[name] = VectorParamsOf(vector);
        }

        return new VectorsConfig { ParamsMap = map };
    }

    private static VectorParams VectorParamsOf(DenseVectorSettings vector)
    {
        var parameters = new VectorParams { Size = vector.Size, Distance = Enum.Parse<Distance>(DistanceKinds.Name(vector.Distance)) };
        if (vector.OnDisk is { } onDisk)
        {
            parameters.OnDisk = onDisk;
        }

        if (vector.HnswJson is { } hnsw)
        {
            parameters.HnswConfig = HnswDiffOf(hnsw);
        }

        if (vector.QuantizationJson is { } quantization)
        {
            parameters.QuantizationConfig = QuantizationConfig(quantization);
        }

        return parameters;
    }

    private static SparseVectorConfig? SparseConfigOf(CollectionParamsSettings parameters)
    {
        if (parameters.SparseVectors.Count == 0)
        {
            return null;
        }

        var config = new SparseVectorConfig();
        foreach (var (name, sparse) in parameters.SparseVectors)
        {
            var entry = new SparseVectorParams();
            if (sparse.Modifier is { } modifier)
            {
                entry.Modifier = modifier == "idf" ? Modifier.Idf : Modifier.None;
            }

            if (sparse.IndexJson is { } indexJson)
            {
                var index = JsonNode.Parse(indexJson)!.AsObject();
                entry.Index = new SparseIndexConfig();
                if (index["full_scan_threshold"] is { } threshold) entry.Index.FullScanThreshold = threshold.GetValue<ulong>();
                if (index["on_disk"] is { } onDisk) entry.Index.OnDisk = onDisk.GetValue<bool>();
            }

            config.Map[name] = entry;
        }

        return config;
    }

    /// <summary>A per-vector HNSW diff in the REST face's JSON form, laid over the stored one.</summary>
    private static string HnswJson(string? current, HnswConfigDiff diff)
    {
        var json = current is null ? new JsonObject() : JsonNode.Parse(current)!.AsObject();
        if (diff.HasM) json["m"] = diff.M;
        if (diff.HasEfConstruct) json["ef_construct"] = diff.EfConstruct;
        if (diff.HasFullScanThreshold) json["full_scan_threshold"] = diff.FullScanThreshold;
        if (diff.HasMaxIndexingThreads) json["max_indexing_threads"] = diff.MaxIndexingThreads;
        if (diff.HasOnDisk) json["on_disk"] = diff.OnDisk;
        if (diff.HasPayloadM) json["payload_m"] = diff.PayloadM;
        return json.ToJsonString();
    }

    private static HnswConfigDiff HnswDiffOf(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var diff = new HnswConfigDiff();
        if (node["m"] is { } m) diff.M = m.GetValue<ulong>();
        if (node["ef_construct"] is { } ef) diff.EfConstruct = ef.GetValue<ulong>();
        if (node["full_scan_threshold"] is { } threshold) diff.FullScanThreshold = threshold.GetValue<ulong>();
        if (node["max_indexing_threads"] is { } threads) diff.MaxIndexingThreads = threads.GetValue<ulong>();
        if (node["on_disk"] is { } onDisk) diff.OnDisk = onDisk.GetValue<bool>();
        if (node["payload_m"] is { } payloadM) diff.PayloadM = payloadM.GetValue<ulong>();
        return diff;
    }
}
