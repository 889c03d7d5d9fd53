using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation;

/// <summary>JSON value equality as the API server's decoded values compare: numbers by value, objects ignoring key order.</summary>
internal static class JsonEquality
{
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null): return true;
            case (null, _) or (_, null): return false;
            case (JsonObject x, JsonObject y):
                if (x.Count != y.Count) return false;
                foreach (var (key, value) in x)
                {
                    if (!y.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other)) return false;
                }
                return true;
            case (JsonArray x, JsonArray y):
                if (x.Count != y.Count) return false;
                for (var i = 0; i < x.Count; i++)
                {
                    if (!DeepEquals(x[i], y[i])) return false;
                }
                return true;
            case (JsonValue x, JsonValue y):
                var kind = x.GetValueKind();
                if (kind != y.GetValueKind()) return false;
                return kind switch
                {
                    JsonValueKind.String => x.GetValue<string>() == y.GetValue<string>(),
                    JsonValueKind.Number => JsonNumbers.TryGetInt64(x, out var l1) && JsonNumbers.TryGetInt64(y, out var l2)
                        ? l1 == l2
                        : JsonNumbers.GetDouble(x).Equals(JsonNumbers.GetDouble(y)),
                    _ => true,
                };
            default: return false;
        }
    }
}
