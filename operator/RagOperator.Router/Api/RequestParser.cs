using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Routing;

namespace RagOperator.Router.Api;

/// <summary>
/// Turns request bodies into validated requests, or fails with a 400 naming the first problem. Validation is
/// complete before anything is routed, so a batch with one bad point writes nothing. Pure: no I/O.
/// </summary>
public sealed class RequestParser(RouterOptions options)
{
    public const int DefaultTopK = 10;

    /// <summary>Upper bound of a numeric <c>nprobe</c>; larger values mean every cell, as <c>"all"</c> does.</summary>
    public const int MaxNprobe = 65536;

    private static readonly string[] SearchFields = ["vector", "top_k", "filter", "with_payload", "nprobe", "allow_partial", "timeout_ms"];
    private static readonly string[] BatchFields = ["searches", "allow_partial", "timeout_ms"];
    private static readonly string[] BatchItemFields = ["vector", "top_k", "filter", "with_payload", "nprobe"];
    private static readonly string[] UpsertFields = ["points"];
    private static readonly string[] PointFields = ["id", "vector", "payload"];
    private static readonly string[] DeleteFields = ["ids"];

    public SearchCall ParseSearch(JsonElement root, RoutingTable table)
    {
        JsonReading.RequireObject(root, "the request body", null);
        JsonReading.RejectUnknown(root, null, SearchFields, SearchHint);
        var query = ParseQuery(root, null, table);
        return new SearchCall([query], ReadAllowPartial(root), ReadTimeout(root));
    }

    public SearchCall ParseSearchBatch(JsonElement root, RoutingTable table)
    {
        JsonReading.RequireObject(root, "the request body", null);
        JsonReading.RejectUnknown(root, null, BatchFields);
        var searches = JsonReading.Required(root, "searches", "searches");
        if (searches.ValueKind != JsonValueKind.Array)
        {
            throw RouterRequestException.BadRequest($"searches must be an array of searches, not a {JsonReading.Kind(searches)}", "searches");
        }

        var count = searches.GetArrayLength();
        CheckBatchSize(count, options.MaxSearchBatch, "searches", "searches");
        var queries = new List<SearchQuery>(count);
        var index = 0;
        foreach (var item in searches.EnumerateArray())
        {
            var field = JsonReading.Index("searches", index++);
            JsonReading.RequireObject(item, field, field);
            JsonReading.RejectUnknown(item, field, BatchItemFields, name => name is "allow_partial" or "timeout_ms" ? "it applies to the whole batch; set it next to 'searches'" : SearchHint(name));
            queries.Add(ParseQuery(item, field, table));
        }

        return new SearchCall(queries, ReadAllowPartial(root), ReadTimeout(root));
    }

    public IReadOnlyList<WritePoint> ParseUpsert(JsonElement root, RoutingTable table)
    {
        JsonReading.RequireObject(root, "the request body", null);
        JsonReading.RejectUnknown(root, null, UpsertFields);
        var points = JsonReading.Required(root, "points", "points");
        if (points.ValueKind != JsonValueKind.Array)
        {
            throw RouterRequestException.BadRequest($"points must be an array of points, not a {JsonReading.Kind(points)}", "points");
        }

        CheckBatchSize(points.GetArrayLength(), options.MaxWriteBatch, "points", "points");
        var result = new List<WritePoint>(points.GetArrayLength());
        var seen = new Dictionary<PointKey, int>();
        var index = 0;
        foreach (var point in points.EnumerateArray())
        {
            var field = JsonReading.Index("points", index);
            JsonReading.RequireObject(point, field, field);
            JsonReading.RejectUnknown(point, field, PointFields, name => name == "vectors" ? "named vectors are not supported; send 'vector' as an array" : null);
            var id = ReadId(JsonReading.Required(point, "id", $"{field}.id"), $"{field}.id", seen, index);
            var vector = JsonReading.ReadVector(point, "vector", $"{field}.vector", table.Dimension, table.Collection);
            var payload = ReadPayload(point, $"{field}.payload");
            result.Add(new WritePoint(id, vector, payload));
            index++;
        }

        return result;
    }

    public IReadOnlyList<PointKey> ParseDelete(JsonElement root)
    {
        JsonReading.RequireObject(root, "the request body", null);
        JsonReading.RejectUnknown(root, null, DeleteFields, name => name is "points" or "filter" ? "delete by filter is not supported; list the ids" : null);
        var ids = JsonReading.Required(root, "ids", "ids");
        if (ids.ValueKind != JsonValueKind.Array)
        {
            throw RouterRequestException.BadRequest($"ids must be an array of point ids, not a {JsonReading.Kind(ids)}", "ids");
        }

        CheckBatchSize(ids.GetArrayLength(), options.MaxWriteBatch, "ids", "ids");
        var result = new List<PointKey>(ids.GetArrayLength());
        var seen = new Dictionary<PointKey, int>();
        var index = 0;
        foreach (var id in ids.EnumerateArray())
        {
            result.Add(ReadId(id, JsonReading.Index("ids", index), seen, index));
            index++;
        }

        return result;
    }

    private static string? SearchHint(string name) => name switch
    {
        "limit" or "topk" or "topK" or "k" => "the number of results is 'top_k'",
        "query" => "send the query vector as 'vector'",
        _ => null,
    };

    private static void CheckBatchSize(int count, int max, string what, string field)
    {
        if (count == 0)
        {
            throw RouterRequestException.BadRequest($"{what} is empty; send at least one", field);
        }

        if (count > max)
        {
            throw RouterRequestException.BadRequest($"{what} has {count} entries; at most {max} are allowed in one request, split the batch", field);
        }
    }

    private static SearchQuery ParseQuery(JsonElement element, string? parent, RoutingTable table)
    {
        var vector = JsonReading.ReadVector(element, "vector", JsonReading.Path(parent, "vector"), table.Dimension, table.Collection);
        var topK = (int)JsonReading.ReadInteger(element, "top_k", JsonReading.Path(parent, "top_k"), DefaultTopK, 1, RouterOptions.MaxTopK);
        var filter = ReadFilter(element, JsonReading.Path(parent, "filter"));
        var withPayload = JsonReading.ReadBool(element, "with_payload", JsonReading.Path(parent, "with_payload"), defaultValue: false);
        var nprobe = ReadNprobe(element, JsonReading.Path(parent, "nprobe"));
        return new SearchQuery(vector, topK, filter, withPayload, nprobe);
    }

    /// <summary>
    /// <c>nprobe</c>: how many of the query's nearest cells a semantic search probes (1..65536), or <c>"all"</c> for every
    /// shard. Absent: the collection's <c>sharding.semantic.nprobe</c>. Hash collections probe every cell whatever it says.
    /// </summary>
    private static int? ReadNprobe(JsonElement element, string field)
    {
        var value = JsonReading.Optional(element, "nprobe");
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return string.Equals(value.GetString(), "all", StringComparison.Ordinal)
                ? int.MaxValue
                : throw RouterRequestException.BadRequest($"{field} must be a positive integer or \"all\", not \"{value.GetString()}\"", field);
        }

        return (int)JsonReading.ReadInteger(element, "nprobe", field, 0, 1, MaxNprobe);
    }

    private static Filter? ReadFilter(JsonElement parent, string field)
    {
        var value = JsonReading.Optional(parent, "filter");
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        JsonReading.RequireObject(value, field, field);
        try
        {
            return value.Deserialize<Filter>(QdrantJson.Options);
        }
        catch (JsonException error)
        {
            throw RouterRequestException.BadRequest($"{field} is not a valid Qdrant filter: {error.Message}", field);
        }
    }

    private bool ReadAllowPartial(JsonElement root) => JsonReading.ReadBool(root, "allow_partial", "allow_partial", defaultValue: false);

    private TimeSpan ReadTimeout(JsonElement root)
    {
        var max = (long)options.MaxSearchTimeout.TotalMilliseconds;
        var millis = JsonReading.ReadInteger(root, "timeout_ms", "timeout_ms", (long)options.DefaultSearchTimeout.TotalMilliseconds, 1, max);
        return TimeSpan.FromMilliseconds(millis);
    }

    private static PointKey ReadId(JsonElement value, string field, Dictionary<PointKey, int> seen, int index)
    {
        if (!PointKey.TryFromJson(value, out var id, out var error))
        {
            throw RouterRequestException.BadRequest($"{field}: {error}", field);
        }

        if (!seen.TryAdd(id, index))
        {
            var first = seen[id];
            var parent = field[..field.IndexOf('[', StringComparison.Ordinal)];
            var firstField = field.EndsWith(".id", StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"{parent}[{first}].id")
                : JsonReading.Index(parent, first);
            throw RouterRequestException.BadRequest($"{field} {id} repeats {firstField}; ids in one batch must be unique", field);
        }

        return id;
    }

    private static JsonObject? ReadPayload(JsonElement point, string field)
    {
        var value = JsonReading.Optional(point, "payload");
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        JsonReading.RequireObject(value, field, field);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Name is PayloadFields.Cell or PayloadFields.Version or PayloadFields.PreviousCell)
            {
                throw RouterRequestException.BadRequest(
                    $"{field}.{property.Name} is reserved: the router stamps {PayloadFields.Cell}, {PayloadFields.PreviousCell} and {PayloadFields.Version} on points itself",
                    $"{field}.{property.Name}");
            }
        }

        // A copy independent of the request's JsonDocument, which is disposed when the request ends.
        return JsonNode.Parse(value.GetRawText())!.AsObject();
    }
}
