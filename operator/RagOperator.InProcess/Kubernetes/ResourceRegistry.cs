namespace RagOperator.InProcess.Kubernetes;

/// <summary>The resources the server serves, by group and plural; custom resources come and go with their CRDs.</summary>
internal sealed class ResourceRegistry
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, ResourceDefinition> byGroupResource = new(StringComparer.Ordinal);

    public ResourceRegistry()
    {
        foreach (var definition in BuiltInResources.All())
        {
            byGroupResource[definition.GroupResource] = definition;
        }
    }

    public void Register(ResourceDefinition definition)
    {
        lock (sync)
        {
            byGroupResource[definition.GroupResource] = definition;
        }
    }

    public void Unregister(string groupResource)
    {
        lock (sync)
        {
            if (byGroupResource.TryGetValue(groupResource, out var existing) && existing.IsCustom)
            {
                byGroupResource.Remove(groupResource);
            }
        }
    }

    public ResourceDefinition? Find(string groupResource)
    {
        lock (sync)
        {
            return byGroupResource.GetValueOrDefault(groupResource);
        }
    }

    public ResolvedResource? Resolve(string group, string version, string plural)
    {
        var definition = Find(group.Length == 0 ? plural : $"{plural}.{group}");
        return definition?.FindVersion(version) is { } served ? new ResolvedResource(definition, served) : null;
    }

    /// <summary>Finds the resource of an apiVersion and kind (how owner references name their owners).</summary>
    public ResolvedResource? ResolveKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        lock (sync)
        {
            var definition = byGroupResource.Values.FirstOrDefault(d => d.Group == group && d.Kind == kind);
            return definition?.FindVersion(version) is { } served ? new ResolvedResource(definition, served) : null;
        }
    }

    public IReadOnlyList<ResourceDefinition> All()
    {
        lock (sync)
        {
            return [.. byGroupResource.Values];
        }
    }
}
