using System.Globalization;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// JSON Patch (RFC 6902): add, remove, replace, move, copy and test, with JSON Pointers (RFC 6901).
/// A malformed patch document is a 400; an operation that cannot be applied is a 422, as in the real server.
/// </summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode target, JsonNode patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiErrors.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        // The whole patch applies or nothing does: work on a copy.
        var document = target.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op)
            {
                throw ApiErrors.BadRequest("json: cannot unmarshal non-object into Go value of type jsonpatch.Operation");
            }

            var kind = JsonTree.GetString(op["op"]) ?? throw ApiErrors.BadRequest("Unexpected kind: missing op");
            var path = JsonTree.GetString(op["path"]) ?? throw ApiErrors.Unprocessable($"doc is missing path: \"{kind}\" operation");
            switch (kind)
            {
                case "add":
                    document = Add(document, path, Value(op, kind));
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    document = Remove(document, path, out _);
                    document = Add(document, path, Value(op, kind));
                    break;
                case "move":
                {
                    var from = JsonTree.GetString(op["from"]) ?? throw ApiErrors.Unprocessable("move operation is missing from");
                    document = Remove(document, from, out var moved);
                    document = Add(document, path, moved);
                    break;
                }

                case "copy":
                {
                    var from = JsonTree.GetString(op["from"]) ?? throw ApiErrors.Unprocessable("copy operation is missing from");
                    var copied = Get(document, from) ?? throw ApiErrors.Unprocessable($"copy operation does not apply: doc is missing from path: {from}");
                    document = Add(document, path, copied.DeepClone());
                    break;
                }

                case "test":
                {
                    var actual = Resolve(document, path, out var exists);
                    if (!exists || !JsonNode.DeepEquals(actual, op["value"]))
                    {
                        throw ApiErrors.Unprocessable($"testing value {path} failed: test failed");
                    }

                    break;
                }

                default:
                    throw ApiErrors.BadRequest($"Unexpected kind: {kind}");
            }
        }

        return document;
    }

    private static JsonNode? Value(JsonObject op, string kind) =>
        op.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw ApiErrors.Unprocessable($"missing value for \"{kind}\" operation");

    private static JsonNode Add(JsonNode document, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value ?? throw ApiErrors.Unprocessable("cannot replace the whole document with null");
        }

        var (parent, last) = Parent(document, path, "add");
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                var index = last == "-" ? array.Count : Index(last, array.Count + 1, path);
                array.Insert(index, value);
                break;
            default:
                throw ApiErrors.Unprocessable($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return document;
    }

    private static JsonNode Remove(JsonNode document, string path, out JsonNode? removed)
    {
        var (parent, last) = Parent(document, path, "remove");
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out removed):
                obj.Remove(last);
                removed = Detach(removed);
                return document;
            case JsonArray array:
                var index = Index(last, array.Count, path);
                removed = Detach(array[index]);
                array.RemoveAt(index);
                return document;
            default:
                throw ApiErrors.Unprocessable($"remove operation does not apply: doc is missing path: \"{path}\": missing value");
        }
    }

    private static JsonNode? Detach(JsonNode? node) => node?.DeepClone();

    private static JsonNode? Get(JsonNode document, string path) => Resolve(document, path, out _);

    private static JsonNode? Resolve(JsonNode document, string path, out bool exists)
    {
        exists = true;
        var node = (JsonNode?)document;
        foreach (var token in Tokens(path))
        {
            switch (node)
            {
                case JsonObject obj when obj.TryGetPropertyValue(token, out var child):
                    node = child;
                    break;
                case JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count:
                    node = array[i];
                    break;
                default:
                    exists = false;
                    return null;
            }
        }

        return node;
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode document, string path, string operation)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            throw ApiErrors.Unprocessable($"{operation} operation does not apply: the root cannot be the target");
        }

        var parentPath = "/" + string.Join("/", tokens.Take(tokens.Count - 1).Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        var parent = tokens.Count == 1 ? document : Resolve(document, parentPath, out var exists) is { } found && exists ? found : null;
        if (parent is null)
        {
            throw ApiErrors.Unprocessable($"{operation} operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return (parent, tokens[^1]);
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw ApiErrors.Unprocessable($"JSON pointer must be empty or start with a \"/\": {path}");
        }

        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static int Index(string token, int limit, string path)
    {
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= limit || (token.Length > 1 && token[0] == '0'))
        {
            throw ApiErrors.Unprocessable($"Unable to access invalid index: {token} in path {path}");
        }

        return index;
    }
}
