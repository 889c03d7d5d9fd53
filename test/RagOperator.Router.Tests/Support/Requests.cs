using System.Text.Json.Nodes;

namespace RagOperator.Router.Tests.Support;

/// <summary>Builds router request bodies.</summary>
internal static class Requests
{
    public static JsonArray Vector(IEnumerable<float> components) => new([.. components.Select(c => (JsonNode?)JsonValue.Create(c))]);

    public static JsonObject Search(float[] vector, int topK, bool withPayload = false, JsonObject? filter = null, bool? allowPartial = null, int? timeoutMs = null)
    {
        var body = new JsonObject { ["vector"] = Vector(vector), ["top_k"] = topK, ["with_payload"] = withPayload };
        if (filter is not null)
        {
            body["filter"] = filter;
        }

        if (allowPartial is not null)
        {
            body["allow_partial"] = allowPartial;
        }

        if (timeoutMs is not null)
        {
            body["timeout_ms"] = timeoutMs;
        }

        return body;
    }

    public static JsonObject Point(ulong id, float[] vector, JsonObject? payload = null)
    {
        var point = new JsonObject { ["id"] = id, ["vector"] = Vector(vector) };
        if (payload is not null)
        {
            point["payload"] = payload;
        }

        return point;
    }

    public static JsonObject Upsert(IEnumerable<JsonObject> points) => new() { ["points"] = new JsonArray([.. points]) };

    public static JsonObject Delete(IEnumerable<ulong> ids) => new() { ["ids"] = new JsonArray([.. ids.Select(id => (JsonNode?)JsonValue.Create(id))]) };

    /// <summary>The ids of a search reply's <c>result</c>, as canonical text.</summary>
    public static List<string> Ids(JsonNode? result) =>
        [.. result!.AsArray().Select(hit => hit!["id"]!.ToJsonString().Trim('"'))];

    public static List<double> Scores(JsonNode? result) =>
        [.. result!.AsArray().Select(hit => hit!["score"]!.GetValue<double>())];
}
