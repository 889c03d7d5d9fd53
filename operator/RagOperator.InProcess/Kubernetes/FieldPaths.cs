using System.Text;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>Which part of an object a field set covers.</summary>
internal enum FieldScope
{
    /// <summary>The whole object (resources without a status subresource).</summary>
    All,

    /// <summary>Everything except status (the main resource when there is a status subresource).</summary>
    Main,

    /// <summary>Only status (writes through /status).</summary>
    Status,
}

/// <summary>
/// Field paths in the encoding of structured-merge-diff's FieldsV1: a path is a sequence of tokens
/// <c>f:&lt;field&gt;</c>, <c>k:&lt;key object&gt;</c> (an item of a map list), <c>v:&lt;value&gt;</c> (an item of a
/// set list), joined here with '\n' so a whole path is one string.
/// </summary>
internal static class FieldPaths
{
    /// <summary>Metadata that the server owns; nobody manages these fields.</summary>
    private static readonly HashSet<string> UnmanagedMetadata =
    [
        "name", "namespace", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
    ];

    public static string Join(IEnumerable<string> tokens) => string.Join('\n', tokens);

    public static string[] Split(string path) => path.Split('\n');

    public static string FieldToken(string name) => "f:" + name;

    public static string KeyToken(JsonObject key) => "k:" + WireJson.Write(key);

    public static string ValueToken(JsonNode? value) => "v:" + WireJson.Write(value);

    /// <summary>The set of field paths an object sets, as server-side apply tracks ownership.</summary>
    public static HashSet<string> Collect(JsonObject obj, IObjectShape shape, FieldScope scope)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            if (name is "apiVersion" or "kind" || value is null || !InScope(name, scope))
            {
                continue;
            }

            if (name == "metadata" && value is JsonObject metadata)
            {
                foreach (var (field, fieldValue) in metadata)
                {
                    if (!UnmanagedMetadata.Contains(field) && fieldValue is not null)
                    {
                        Walk(fieldValue, [FieldToken("metadata"), FieldToken(field)], ["metadata", field], shape, set);
                    }
                }

                continue;
            }

            Walk(value, [FieldToken(name)], [name], shape, set);
        }

        return set;
    }

    public static bool InScope(string topLevelField, FieldScope scope) => scope switch
    {
        FieldScope.Main => topLevelField != "status",
        FieldScope.Status => topLevelField == "status",
        _ => true,
    };

    private static void Walk(JsonNode node, List<string> tokens, List<string> schemaPath, IObjectShape shape, HashSet<string> set)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0 && !shape.IsAtomicObject(schemaPath):
                foreach (var (name, value) in obj)
                {
                    if (value is null)
                    {
                        continue;
                    }

                    tokens.Add(FieldToken(name));
                    schemaPath.Add(name);
                    Walk(value, tokens, schemaPath, shape, set);
                    tokens.RemoveAt(tokens.Count - 1);
                    schemaPath.RemoveAt(schemaPath.Count - 1);
                }

                break;
            case JsonArray array when array.Count > 0:
                var semantics = shape.ListAt(schemaPath);
                switch (semantics.Kind)
                {
                    case ListMergeKind.Map:
                        foreach (var item in array)
                        {
                            tokens.Add(KeyToken(semantics.KeyOf(item) ?? new JsonObject()));
                            set.Add(Join(tokens));
                            if (item is JsonObject itemObject)
                            {
                                foreach (var (name, value) in itemObject)
                                {
                                    if (value is null)
                                    {
                                        continue;
                                    }

                                    tokens.Add(FieldToken(name));
                                    schemaPath.Add(name);
                                    Walk(value, tokens, schemaPath, shape, set);
                                    tokens.RemoveAt(tokens.Count - 1);
                                    schemaPath.RemoveAt(schemaPath.Count - 1);
                                }
                            }

                            tokens.RemoveAt(tokens.Count - 1);
                        }

                        break;
                    case ListMergeKind.Set:
                        foreach (var item in array)
                        {
                            tokens.Add(ValueToken(item));
                            set.Add(Join(tokens));
                            tokens.RemoveAt(tokens.Count - 1);
                        }

                        break;
                    default:
                        set.Add(Join(tokens));
                        break;
                }

                break;
            default:
                // Scalars, empty objects and lists, atomic objects: the path itself is the leaf.
                set.Add(Join(tokens));
                break;
        }
    }

    /// <summary>Whether a path names a list item (k: or v:) rather than a value.</summary>
    public static bool IsItem(string path)
    {
        var last = path.LastIndexOf('\n');
        var token = last < 0 ? path : path[(last + 1)..];
        return token.StartsWith("k:", StringComparison.Ordinal) || token.StartsWith("v:", StringComparison.Ordinal);
    }

    /// <summary>The value at a path, or (false, null) when the object does not have it.</summary>
    public static (bool Found, JsonNode? Value) Get(JsonObject root, string path, IObjectShape shape)
    {
        JsonNode? node = root;
        var schemaPath = new List<string>();
        foreach (var token in Split(path))
        {
            if (!Step(node, token, schemaPath, shape, out var next, out _))
            {
                return (false, null);
            }

            node = next;
        }

        return (true, node);
    }

    /// <summary>Removes the field, map-list item or set value a path names; missing paths are ignored.</summary>
    public static void Remove(JsonObject root, string path, IObjectShape shape)
    {
        var tokens = Split(path);
        JsonNode? node = root;
        var schemaPath = new List<string>();
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            if (!Step(node, tokens[i], schemaPath, shape, out node, out _))
            {
                return;
            }
        }

        var last = tokens[^1];
        if (last.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject parent)
        {
            parent.Remove(last[2..]);
        }
        else if (node is JsonArray list && Step(node, last, schemaPath, shape, out _, out var index) && index >= 0)
        {
            list.RemoveAt(index);
        }
    }

    private static bool Step(JsonNode? node, string token, List<string> schemaPath, IObjectShape shape, out JsonNode? next, out int index)
    {
        next = null;
        index = -1;
        if (token.StartsWith("f:", StringComparison.Ordinal))
        {
            var name = token[2..];
            schemaPath.Add(name);
            return node is JsonObject obj && obj.TryGetPropertyValue(name, out next);
        }

        if (node is not JsonArray array)
        {
            return false;
        }

        if (token.StartsWith("k:", StringComparison.Ordinal))
        {
            var semantics = shape.ListAt(schemaPath);
            var key = JsonNode.Parse(token[2..]);
            for (var i = 0; i < array.Count; i++)
            {
                if (JsonNode.DeepEquals(semantics.KeyOf(array[i]), key))
                {
                    next = array[i];
                    index = i;
                    return true;
                }
            }

            return false;
        }

        if (token.StartsWith("v:", StringComparison.Ordinal))
        {
            var value = JsonNode.Parse(token[2..]);
            for (var i = 0; i < array.Count; i++)
            {
                if (JsonNode.DeepEquals(array[i], value))
                {
                    next = array[i];
                    index = i;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A path the way the real server prints it in conflict messages: <c>.spec.containers[name="app"].image</c>.</summary>
    public static string Describe(string path)
    {
        var builder = new StringBuilder();
        foreach (var token in Split(path))
        {
            if (token.StartsWith("f:", StringComparison.Ordinal))
            {
                builder.Append('.').Append(token[2..]);
            }
            else if (token.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(token[2..]) is JsonObject key)
            {
                builder.Append('[').Append(string.Join(",", key.Select(p => $"{p.Key}={WireJson.Write(p.Value)}"))).Append(']');
            }
            else if (token.StartsWith("v:", StringComparison.Ordinal))
            {
                builder.Append("[=").Append(token[2..]).Append(']');
            }
        }

        return builder.ToString();
    }

    /// <summary>Encodes a field set as FieldsV1 (a trie of tokens; "." marks a node that is itself a member).</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var node = root;
            foreach (var token in Split(path))
            {
                if (!node.TryGetValue(token, out var child))
                {
                    child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                    node[token] = child;
                }

                node = (SortedDictionary<string, object>)child;
            }

            node["."] = new SortedDictionary<string, object>(StringComparer.Ordinal);
        }

        return Encode(root);
    }

    private static JsonObject Encode(SortedDictionary<string, object> node)
    {
        var obj = new JsonObject();
        foreach (var (token, child) in node)
        {
            if (token == ".")
            {
                continue;
            }

            var childNode = (SortedDictionary<string, object>)child;
            var encoded = Encode(childNode);
            if (childNode.ContainsKey(".") && encoded.Count > 0)
            {
                // A member that also has members below it keeps an explicit "." entry.
                var withDot = new JsonObject { ["."] = new JsonObject() };
                foreach (var (name, value) in encoded)
                {
                    withDot[name] = value?.DeepClone();
                }

                encoded = withDot;
            }

            obj[token] = encoded;
        }

        return obj;
    }

    /// <summary>Decodes FieldsV1 back into a set of paths.</summary>
    public static HashSet<string> FromFieldsV1(JsonObject? fields)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (fields is not null)
        {
            Decode(fields, [], set);
        }

        return set;
    }

    private static void Decode(JsonObject node, List<string> tokens, HashSet<string> set)
    {
        foreach (var (token, child) in node)
        {
            if (token == ".")
            {
                set.Add(Join(tokens));
                continue;
            }

            tokens.Add(token);
            if (child is JsonObject childObject && childObject.Count > 0)
            {
                Decode(childObject, tokens, set);
            }
            else
            {
                set.Add(Join(tokens));
            }

            tokens.RemoveAt(tokens.Count - 1);
        }
    }
}
