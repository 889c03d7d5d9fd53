using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Legacy discovery documents (/api, /apis, /api/v1, /apis/{group}/{version}, /version), enough for
/// kubectl-like clients to map kinds to resources. The aggregated discovery format (apidiscovery.k8s.io/v2)
/// is not served; clients fall back to these.
/// </summary>
internal static class Discovery
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject? Document(string path, ResourceRegistry registry, string kubernetesVersion)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resources = registry.All();
        switch (segments)
        {
            case ["version"]:
                var parts = kubernetesVersion.TrimStart('v').Split('.');
                return new JsonObject
                {
                    ["major"] = parts[0],
                    ["minor"] = parts.Length > 1 ? parts[1] : "0",
                    ["gitVersion"] = kubernetesVersion,
                    ["platform"] = "linux/amd64",
                };
            case ["api"]:
                return new JsonObject
                {
                    ["kind"] = "APIVersions",
                    ["versions"] = new JsonArray("v1"),
                    ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = "127.0.0.1" }),
                };
            case ["apis"]:
                return new JsonObject
                {
                    ["kind"] = "APIGroupList",
                    ["apiVersion"] = "v1",
                    ["groups"] = new JsonArray(resources.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (JsonNode?)Group(g.Key, g)).ToArray()),
                };
            case ["apis", var group]:
                var members = resources.Where(r => r.Group == group).ToList();
                return members.Count == 0 ? null : Group(group, members);
            case ["api", var version]:
                return ResourceList("", version, resources);
            case ["apis", var group, var version]:
                return ResourceList(group, version, resources);
            default:
                return null;
        }
    }

    private static JsonObject Group(string name, IEnumerable<ResourceDefinition> members)
    {
        var versions = members.SelectMany(m => m.Versions.Select(v => v.Name)).Distinct().ToList();
        var preferred = members.First().StorageVersion.Name;
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v }).ToArray()),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{preferred}", ["version"] = preferred },
        };
    }

    private static JsonObject? ResourceList(string group, string version, IReadOnlyList<ResourceDefinition> resources)
    {
        var served = resources.Where(r => r.Group == group && r.FindVersion(version) is not null).OrderBy(r => r.Plural, StringComparer.Ordinal).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var list = new JsonArray();
        foreach (var resource in served)
        {
            var entry = new JsonObject
            {
                ["name"] = resource.Plural,
                ["singularName"] = resource.Singular,
                ["namespaced"] = resource.Namespaced,
                ["kind"] = resource.Kind,
                ["verbs"] = new JsonArray(AllVerbs.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            };
            if (resource.ShortNames.Count > 0)
            {
                entry["shortNames"] = new JsonArray(resource.ShortNames.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
            }

            if (resource.Categories.Count > 0)
            {
                entry["categories"] = new JsonArray(resource.Categories.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
            }

            list.Add(entry);
            if (resource.FindVersion(version)!.HasStatusSubresource)
            {
                list.Add(new JsonObject
                {
                    ["name"] = resource.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = resource.Namespaced,
                    ["kind"] = resource.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }

            if (resource.FindVersion(version)!.Scale is not null)
            {
                list.Add(new JsonObject
                {
                    ["name"] = resource.Plural + "/scale",
                    ["singularName"] = "",
                    ["namespaced"] = resource.Namespaced,
                    ["group"] = "autoscaling",
                    ["version"] = "v1",
                    ["kind"] = "Scale",
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = list,
        };
    }
}
