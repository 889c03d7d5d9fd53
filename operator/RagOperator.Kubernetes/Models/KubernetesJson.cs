using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>The one JSON configuration for every object that crosses the API server boundary.</summary>
public static class KubernetesJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // Omit nulls so that server-side apply only claims the fields we actually set.
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"JSON document is null, expected {typeof(T).Name}");

    public static T Deserialize<T>(JsonElement json) =>
        json.Deserialize<T>(Options) ?? throw new JsonException($"JSON document is null, expected {typeof(T).Name}");

    /// <summary>Deep copy through JSON; used for cache snapshots so callers never mutate shared state.</summary>
    public static T Clone<T>(T value) => Deserialize<T>(Serialize(value));
}
