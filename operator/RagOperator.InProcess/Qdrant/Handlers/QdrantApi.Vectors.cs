using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>
/// A collection's vectors as the REST face reads them: the single form (the unnamed vector) or named dense vectors,
/// and named sparse vectors with their modifier. Per-vector HNSW, quantization and sparse index settings are
/// validated and kept as given, to be echoed; search is exact whatever they say.
/// </summary>
internal sealed partial class QdrantApi
{
    /// <summary>The single form <c>{size, distance, ...}</c> (the unnamed vector) or a map of names to that form.</summary>
    private static (Dictionary<string, DenseVectorSettings> Vectors, bool Named) ReadVectorsConfig(JsonElement vectors)
    {
        if (vectors.TryGetProperty("size", out _) || vectors.TryGetProperty("distance", out _))
        {
            return (new Dictionary<string, DenseVectorSettings>(StringComparer.Ordinal) { [string.Empty] = ReadVectorParams(vectors, "vectors") }, false);
        }

        return (vectors.EnumerateObject().ToDictionary(
            entry => entry.Name,
            entry => ReadVectorParams(RequestJson.RequireObject(entry.Value, "VectorParams"), $"vectors.{entry.Name}"),
            StringComparer.Ordinal), true);
    }

    private static DenseVectorSettings ReadVectorParams(JsonElement vector, string path)
    {
        var size = RequestJson.TryGet(vector, "size", out var sizeElement) && sizeElement.ValueKind == JsonValueKind.Number &&
                   sizeElement.TryGetUInt64(out var parsedSize)
            ? parsedSize
            : throw QdrantHttpError.Format("missing or invalid field `size`");
        if (size is 0 or > MaxDimension)
        {
            throw QdrantHttpError.Validation($"{path}.size", $"value {size} invalid, must be from 1 to {MaxDimension}");
        }

        var distanceText = RequestJson.OptionalString(vector, "distance") ?? throw QdrantHttpError.Format("missing field `distance`");
        if (!DistanceKinds.TryParse(distanceText, out var distance))
        {
            throw QdrantHttpError.Format($"unknown variant `{distanceText}`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`");
        }

        if (RequestJson.OptionalString(vector, "datatype") is { } datatype && datatype != "float32")
        {
            throw QdrantHttpError.Unsupported($"The `{datatype}` vector datatype");
        }

        if (RequestJson.TryGet(vector, "multivector_config", out _))
        {
            throw QdrantHttpError.Unsupported("Multivectors");
        }

        string? hnswJson = null;
        if (RequestJson.TryGet(vector, "hnsw_config", out var hnsw))
        {
            ApplyHnswDiff(new HnswSettings(), hnsw, $"{path}.hnsw_config");
            hnswJson = hnsw.GetRawText();
        }

        return new DenseVectorSettings
        {
            Size = size,
            Distance = distance,
            OnDisk = RequestJson.OptionalBool(vector, "on_disk"),
            HnswJson = hnswJson,
            QuantizationJson = RequestJson.TryGet(vector, "quantization_config", out var quantization)
                ? ValidateQuantization(quantization, $"{path}.quantization_config", allowDisabled: false)
                : null,
        };
    }

    private static Dictionary<string, SparseVectorSettings> ReadSparseVectorsConfig(JsonElement sparse) =>
        sparse.EnumerateObject().ToDictionary(entry => entry.Name, entry => ReadSparseParams(entry.Value), StringComparer.Ordinal);

    /// <summary>Qdrant's <c>SparseVectorParams</c>: a modifier (<c>idf</c> or <c>none</c>) and index settings, echoed as given.</summary>
    private static SparseVectorSettings ReadSparseParams(JsonElement parameters)
    {
        RequestJson.RequireObject(parameters, "SparseVectorParams");
        var modifier = RequestJson.OptionalString(parameters, "modifier");
        if (modifier is not (null or "idf" or "none"))
        {
            throw QdrantHttpError.Format($"unknown variant `{modifier}`, expected `none` or `idf`");
        }

        string? index = null;
        if (RequestJson.TryGet(parameters, "index", out var indexElement))
        {
            RequestJson.RequireObject(indexElement, "SparseIndexParams");
            RequestJson.OptionalUnsigned(indexElement, "full_scan_threshold", "index");
            RequestJson.OptionalBool(indexElement, "on_disk");
            index = indexElement.GetRawText();
        }

        return new SparseVectorSettings { Modifier = modifier, IndexJson = index };
    }

    /// <summary>A diff's JSON object laid over the stored one (both HNSW diffs), so later updates keep earlier fields.</summary>
    private static string MergeJson(string? current, JsonElement diff)
    {
        var merged = current is null ? new JsonObject() : JsonNode.Parse(current)!.AsObject();
        foreach (var property in diff.EnumerateObject())
        {
            merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        return merged.ToJsonString();
    }
}
