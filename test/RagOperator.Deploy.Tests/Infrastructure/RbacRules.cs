using System.Text.Json.Nodes;

namespace RagOperator.Deploy.Tests.Infrastructure;

/// <summary>One permission atom: a verb on a resource of an API group, optionally limited to one object name.</summary>
internal sealed record Permission(string ApiGroup, string Resource, string Verb, string? ResourceName)
{
    public override string ToString() =>
        $"{Verb} {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource}{(ResourceName is null ? string.Empty : $"[{ResourceName}]")}";
}

/// <summary>Flattens RBAC rules into permission atoms, so rule sets can be compared however they are grouped.</summary>
internal static class RbacRules
{
    public static IReadOnlyList<JsonObject> Rules(JsonObject role) =>
        (role["rules"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];

    public static IReadOnlySet<Permission> Permissions(JsonObject role) =>
        Rules(role).SelectMany(Expand).ToHashSet();

    public static IEnumerable<string> Strings(JsonNode? list) =>
        (list as JsonArray)?.Select(item => item?.GetValue<string>() ?? string.Empty) ?? [];

    private static IEnumerable<Permission> Expand(JsonObject rule)
    {
        var names = Strings(rule["resourceNames"]).Select(name => (string?)name).DefaultIfEmpty(null).ToList();
        return from apiGroup in Strings(rule["apiGroups"])
               from resource in Strings(rule["resources"])
               from verb in Strings(rule["verbs"])
               from name in names
               select new Permission(apiGroup, resource, verb, name);
    }
}
