using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>Small helpers over System.Text.Json.Nodes used throughout the server.</summary>
internal static class JsonTree
{
    /// <summary>
    /// Forces every lazily-parsed object and array to build its children, so that a committed (never again
    /// mutated) tree can be read from several threads at once.
    /// </summary>
    public static void Freeze(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Freeze(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Freeze(child);
                }

                break;
        }
    }

    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static JsonObject Clone(JsonObject obj) => (JsonObject)obj.DeepClone();

    public static string? GetString(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static long? GetLong(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<long>(out var number))
        {
            return number;
        }

        if (value.TryGetValue<int>(out var small))
        {
            return small;
        }

        if (value.TryGetValue<double>(out var real) && real == Math.Floor(real))
        {
            return (long)real;
        }

        if (value.TryGetValue<JsonElement>(out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var parsed))
        {
            return parsed;
        }

        return null;
    }

    public static bool? GetBool(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    /// <summary>Gets or creates the child object <paramref name="name"/>.</summary>
    public static JsonObject Child(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Parses a request body as JSON, turning syntax errors into 400 Bad Request.</summary>
    public static JsonNode ParseBody(string body)
    {
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false })
                ?? throw ApiErrors.BadRequest("the request body is the JSON literal null");
        }
        catch (JsonException e)
        {
            throw ApiErrors.BadRequest($"error decoding request body: {e.Message}");
        }
    }

    /// <summary>Copies an object with apiVersion, kind, metadata first, as the real server serializes objects.</summary>
    public static JsonObject Ordered(JsonObject obj)
    {
        var ordered = new JsonObject();
        foreach (var first in new[] { "apiVersion", "kind", "metadata" })
        {
            if (obj.TryGetPropertyValue(first, out var value))
            {
                ordered[first] = value?.DeepClone();
            }
        }

        foreach (var (name, value) in obj)
        {
            if (name is not ("apiVersion" or "kind" or "metadata"))
            {
                ordered[name] = value?.DeepClone();
            }
        }

        return ordered;
    }
}
