using System.Globalization;
using System.Text.Json;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>Reading request bodies the way Qdrant's serde models do, with Qdrant's error wording.</summary>
internal static class RequestJson
{
    public static JsonElement RequireObject(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format($"invalid type: {Describe(element)}, expected struct {what}");
        }

        return element;
    }

    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public static JsonElement Require(JsonElement obj, string name) =>
        TryGet(obj, name, out var value) ? value : throw QdrantHttpError.Format($"missing field `{name}`");

    /// <summary>An optional unsigned integer; below <paramref name="minimum"/> is Qdrant's 422 validation error.</summary>
    public static ulong? OptionalUnsigned(JsonElement obj, string name, string path, ulong minimum = 0)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !IsIntegerLiteral(value))
        {
            throw QdrantHttpError.Format($"invalid type: {Describe(value)}, expected usize");
        }

        if (!value.TryGetUInt64(out var number))
        {
            throw QdrantHttpError.Format($"invalid value: integer `{value.GetRawText()}`, expected usize");
        }

        if (number < minimum)
        {
            throw QdrantHttpError.Validation(Join(path, name), $"value {number} invalid, must be {minimum} or larger");
        }

        return number;
    }

    public static bool? OptionalBool(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw QdrantHttpError.Format($"invalid type: {Describe(value)}, expected a boolean");
    }

    public static double? OptionalDouble(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw QdrantHttpError.Format($"invalid type: {Describe(value)}, expected f64");
    }

    public static string? OptionalString(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw QdrantHttpError.Format($"invalid type: {Describe(value)}, expected a string");
    }

    /// <summary>A dense vector. Non-numeric elements are a format error, as in Qdrant.</summary>
    public static float[] ReadDenseVector(JsonElement vector)
    {
        if (vector.ValueKind != JsonValueKind.Array)
        {
            if (vector.ValueKind == JsonValueKind.Object)
            {
                throw QdrantHttpError.Unsupported("Inference vectors");
            }

            throw QdrantHttpError.Format("data did not match any variant of untagged enum VectorStruct");
        }

        var result = new float[vector.GetArrayLength()];
        var i = 0;
        foreach (var item in vector.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                throw QdrantHttpError.Unsupported("Multivectors");
            }

            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out var value) || !float.IsFinite(value))
            {
                throw QdrantHttpError.Format("data did not match any variant of untagged enum VectorStruct");
            }

            result[i++] = value;
        }

        return result;
    }

    /// <summary>Qdrant's <c>with_payload</c>: bool, list of keys, or <c>{"include"|"exclude": [...]}</c>.</summary>
    public static PayloadSelection ReadPayloadSelection(JsonElement obj, bool defaultValue)
    {
        if (!TryGet(obj, "with_payload", out var value))
        {
            return defaultValue ? PayloadSelection.All : PayloadSelection.None;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return PayloadSelection.All;
            case JsonValueKind.False:
                return PayloadSelection.None;
            case JsonValueKind.Array:
                return new PayloadSelection(true, ReadKeys(value), Exclude: false);
            case JsonValueKind.Object when value.TryGetProperty("include", out var include):
                return new PayloadSelection(true, ReadKeys(include), Exclude: false);
            case JsonValueKind.Object when value.TryGetProperty("exclude", out var exclude):
                return new PayloadSelection(true, ReadKeys(exclude), Exclude: true);
            default:
                throw QdrantHttpError.Format("data did not match any variant of untagged enum WithPayloadInterface");
        }
    }

    /// <summary>Qdrant's <c>with_vector</c>: bool, or a list of vector names (the unnamed vector is <c>""</c>).</summary>
    public static VectorSelection ReadVectorSelection(JsonElement obj)
    {
        if (!TryGet(obj, "with_vector", out var value))
        {
            return VectorSelection.None;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => VectorSelection.Every,
            JsonValueKind.False => VectorSelection.None,
            JsonValueKind.Array when value.EnumerateArray().All(name => name.ValueKind == JsonValueKind.String) =>
                new VectorSelection(false, value.EnumerateArray().Select(name => name.GetString()!).ToHashSet(StringComparer.Ordinal)),
            _ => throw QdrantHttpError.Format("data did not match any variant of untagged enum WithVector"),
        };
    }

    /// <summary>
    /// A point's <c>vector</c>: a plain array (the unnamed vector) or a map of names to dense arrays and sparse
    /// <c>{indices, values}</c> objects. <paramref name="path"/> names the field in validation errors.
    /// </summary>
    public static PointVectors ReadPointVectors(JsonElement vector, string path)
    {
        if (vector.ValueKind == JsonValueKind.Array)
        {
            var dense = ReadDenseVector(vector);
            return dense.Length == 0
                ? throw QdrantHttpError.Validation($"{path}.vector", "dense vector must not be empty")
                : PointVectors.Unnamed(dense);
        }

        if (vector.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum VectorStruct");
        }

        var named = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var sparse = new Dictionary<string, SparseVectorValue>(StringComparer.Ordinal);
        foreach (var entry in vector.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Object)
            {
                sparse[entry.Name] = ReadSparseVector(entry.Value, $"{path}.{entry.Name}");
                continue;
            }

            var dense = ReadDenseVector(entry.Value);
            named[entry.Name] = dense.Length == 0
                ? throw QdrantHttpError.Validation($"{path}.{entry.Name}", "dense vector must not be empty")
                : dense;
        }

        return new PointVectors(named, sparse);
    }

    /// <summary>A sparse <c>{indices, values}</c>, validated with Qdrant's 422 and sorted by index.</summary>
    public static SparseVectorValue ReadSparseVector(JsonElement vector, string path)
    {
        if (!vector.TryGetProperty("indices", out var indicesElement) || !vector.TryGetProperty("values", out var valuesElement))
        {
            if (vector.TryGetProperty("text", out _) || vector.TryGetProperty("image", out _) || vector.TryGetProperty("object", out _))
            {
                throw QdrantHttpError.Unsupported("Inference vectors");
            }

            throw QdrantHttpError.Format("data did not match any variant of untagged enum VectorStruct");
        }

        if (indicesElement.ValueKind != JsonValueKind.Array || valuesElement.ValueKind != JsonValueKind.Array ||
            indicesElement.EnumerateArray().Any(index => index.ValueKind != JsonValueKind.Number || !index.TryGetUInt32(out _)) ||
            valuesElement.EnumerateArray().Any(value => value.ValueKind != JsonValueKind.Number || !value.TryGetSingle(out var single) || !float.IsFinite(single)))
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum VectorStruct");
        }

        var indices = indicesElement.EnumerateArray().Select(index => index.GetUInt32()).ToArray();
        var values = valuesElement.EnumerateArray().Select(value => value.GetSingle()).ToArray();
        if (SparseVectorValue.Problem(indices, values) is var (field, message))
        {
            throw QdrantHttpError.Validation($"{path}.{field}", message);
        }

        return SparseVectorValue.Create(indices, values);
    }

    public static List<PointKey> ReadIds(JsonElement array, string name)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw QdrantHttpError.Format($"invalid type: {Describe(array)}, expected a sequence for `{name}`");
        }

        return array.EnumerateArray().Select(PointKey.Read).ToList();
    }

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"string \"{element.GetString()}\"",
        JsonValueKind.Number => string.Create(CultureInfo.InvariantCulture, $"number {element.GetRawText()}"),
        JsonValueKind.True or JsonValueKind.False => $"boolean `{element.GetRawText()}`",
        JsonValueKind.Array => "sequence",
        JsonValueKind.Object => "map",
        _ => "null",
    };

    private static HashSet<string> ReadKeys(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(key => key.GetString() ?? string.Empty).ToHashSet(StringComparer.Ordinal)
            : throw QdrantHttpError.Format("data did not match any variant of untagged enum WithPayloadInterface");

    private static bool IsIntegerLiteral(JsonElement number) => number.GetRawText().AsSpan().IndexOfAny(".eE") < 0;

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
