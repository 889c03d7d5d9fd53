using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// Is everything the operator wants already in the live object? The live object also holds what the API server
/// defaulted (clusterIP, terminationMessagePath, ...) and what other managers set, so equality would always fail;
/// containment is the question server-side apply answers, asked without a request.
/// <list type="bullet">
/// <item>Objects: every desired field is in the live object and contains the desired value. An absent live field
/// matches a desired empty object, array or string (the server drops them).</item>
/// <item>Arrays of objects that all have a <c>name</c> (containers, env, ports, volumes) match by name, so an
/// item injected by another manager does not count as drift; other arrays match position by position and must
/// have the same length.</item>
/// <item>Scalars are equal as JSON, or as Kubernetes quantities (<c>1000m</c> = <c>1</c>), or as numbers.</item>
/// </list>
/// </summary>
public static class SemanticSubset
{
    public static bool Contains(JsonNode? live, JsonNode? desired) => desired switch
    {
        null => true,
        JsonObject desiredObject => live is JsonObject liveObject ? ContainsObject(liveObject, desiredObject) : IsEmpty(desiredObject) && live is null,
        JsonArray desiredArray => live is JsonArray liveArray ? ContainsArray(liveArray, desiredArray) : desiredArray.Count == 0 && live is null,
        JsonValue desiredValue => live is JsonValue liveValue ? ScalarEquals(liveValue, desiredValue) : live is null && IsEmpty(desiredValue),
        _ => false,
    };

    /// <summary>The first path where <paramref name="desired"/> is not contained, for logs; null when contained.</summary>
    public static string? FirstDifference(JsonNode? live, JsonNode? desired, string path = "")
    {
        if (Contains(live, desired)) return null;
        switch (desired)
        {
            case JsonObject desiredObject when live is JsonObject liveObject:
                foreach (var (key, value) in desiredObject)
                {
                    if (FirstDifference(liveObject[key], value, $"{path}.{key}") is { } inner) return inner;
                }

                break;
            case JsonArray desiredArray when live is JsonArray liveArray && !ByName(desiredArray) && liveArray.Count == desiredArray.Count:
                for (var i = 0; i < desiredArray.Count; i++)
                {
                    if (FirstDifference(liveArray[i], desiredArray[i], $"{path}[{i}]") is { } inner) return inner;
                }

                break;
        }

        return path.Length == 0 ? "." : path;
    }

    private static bool ContainsObject(JsonObject live, JsonObject desired)
    {
        foreach (var (key, value) in desired)
        {
            if (!Contains(live.TryGetPropertyValue(key, out var liveValue) ? liveValue : null, value)) return false;
        }

        return true;
    }

    private static bool ContainsArray(JsonArray live, JsonArray desired)
    {
        if (ByName(desired))
        {
            var byName = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var item in live)
            {
                if (item is JsonObject obj && Name(obj) is { } name) byName[name] = obj;
            }

            return desired.All(item => byName.TryGetValue(Name((JsonObject)item!)!, out var match) && Contains(match, item));
        }

        if (live.Count != desired.Count) return false;
        for (var i = 0; i < desired.Count; i++)
        {
            if (!Contains(live[i], desired[i])) return false;
        }

        return true;
    }

    private static bool ByName(JsonArray array) => array.Count > 0 && array.All(item => item is JsonObject obj && Name(obj) is not null);

    private static string? Name(JsonObject obj) =>
        obj.TryGetPropertyValue("name", out var name) && name is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static bool ScalarEquals(JsonValue live, JsonValue desired)
    {
        var liveKind = live.GetValueKind();
        var desiredKind = desired.GetValueKind();
        if (liveKind == JsonValueKind.Number && desiredKind == JsonValueKind.Number)
            return live.ToJsonString() == desired.ToJsonString() || live.GetValue<decimal>() == desired.GetValue<decimal>();
        if (liveKind == JsonValueKind.String && desiredKind == JsonValueKind.String)
        {
            var (a, b) = (live.GetValue<string>(), desired.GetValue<string>());
            return string.Equals(a, b, StringComparison.Ordinal) || Quantity.Equivalent(a, b);
        }

        // A quantity may come back as a number (or go out as one): "2" and 2.
        if ((liveKind, desiredKind) is (JsonValueKind.Number, JsonValueKind.String) or (JsonValueKind.String, JsonValueKind.Number))
            return Quantity.Equivalent(live.ToString(), desired.ToString());
        return liveKind == desiredKind && live.ToJsonString() == desired.ToJsonString();
    }

    private static bool IsEmpty(JsonObject obj) => obj.Count == 0;

    private static bool IsEmpty(JsonValue value) => value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().Length == 0;
}
