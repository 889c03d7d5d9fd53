using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Strategic merge patch for built-in kinds: a JSON merge patch in which the lists the Go types mark with a
/// patch merge key (containers by name, ports by port and protocol, env by name, conditions by type, ...)
/// merge item by item, and <c>$patch: delete|replace</c>, <c>$retainKeys</c> and
/// <c>$deleteFromPrimitiveList/&lt;field&gt;</c> directives are honoured. <c>$setElementOrder</c> directives are
/// accepted and ignored (item order is that of the live list, new items appended).
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch, IObjectShape shape) => Merge(target, patch, shape, []);

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch, IObjectShape shape, List<string> path)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var directive = JsonTree.GetString(patchObject["$patch"]);
        if (directive == "replace")
        {
            return WithoutDirectives(patchObject);
        }

        if (directive == "delete")
        {
            return null;
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (name.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = name["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    result[field] = new JsonArray(list.Where(item => !remove.Any(r => JsonNode.DeepEquals(r, item))).Select(i => i?.DeepClone()).ToArray());
                }

                continue;
            }

            if (name.StartsWith('$'))
            {
                continue;
            }

            path.Add(name);
            if (value is null)
            {
                result.Remove(name);
            }
            else if (value is JsonArray patchList)
            {
                result[name] = MergeList(result[name] as JsonArray, patchList, shape, path);
            }
            else if (value is JsonObject)
            {
                var merged = Merge(result[name], value, shape, path);
                if (merged is null)
                {
                    result.Remove(name);
                }
                else
                {
                    result[name] = merged;
                }
            }
            else
            {
                result[name] = value.DeepClone();
            }

            path.RemoveAt(path.Count - 1);
        }

        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(JsonTree.GetString).ToHashSet();
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray? live, JsonArray patch, IObjectShape shape, List<string> path)
    {
        if (patch.OfType<JsonObject>().Any(item => JsonTree.GetString(item["$patch"]) == "replace"))
        {
            return new JsonArray(patch.Where(item => !(item is JsonObject o && JsonTree.GetString(o["$patch"]) == "replace")).Select(i => i?.DeepClone()).ToArray());
        }

        var semantics = shape.ListAt(path);
        if (live is null)
        {
            return new JsonArray(patch.Where(item => !(item is JsonObject o && o.ContainsKey("$patch"))).Select(i => i is JsonObject o ? WithoutDirectives(o) : i?.DeepClone()).ToArray());
        }

        switch (semantics.Kind)
        {
            case ListMergeKind.Map:
            {
                var result = live.Select(i => i?.DeepClone()).ToList();
                foreach (var item in patch)
                {
                    var key = semantics.KeyOf(item);
                    var index = result.FindIndex(existing => JsonNode.DeepEquals(semantics.KeyOf(existing), key));
                    var delete = item is JsonObject o && JsonTree.GetString(o["$patch"]) == "delete";
                    if (delete)
                    {
                        if (index >= 0)
                        {
                            result.RemoveAt(index);
                        }
                    }
                    else if (index >= 0)
                    {
                        result[index] = Merge(result[index], item, shape, path);
                    }
                    else
                    {
                        result.Add(item is JsonObject obj ? WithoutDirectives(obj) : item?.DeepClone());
                    }
                }

                return new JsonArray(result.ToArray());
            }

            case ListMergeKind.Set:
            {
                var result = live.Select(i => i?.DeepClone()).ToList();
                foreach (var item in patch.Where(item => !result.Any(existing => JsonNode.DeepEquals(existing, item))))
                {
                    result.Add(item?.DeepClone());
                }

                return new JsonArray(result.ToArray());
            }

            default:
                return (JsonArray)patch.DeepClone();
        }
    }

    private static JsonObject WithoutDirectives(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (!name.StartsWith('$'))
            {
                copy[name] = value?.DeepClone();
            }
        }

        return copy;
    }
}
