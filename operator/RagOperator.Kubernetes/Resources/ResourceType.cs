namespace RagOperator.Kubernetes.Resources;

/// <summary>Where a kind lives in the REST API: group, version, plural resource name and scope.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary><c>v1</c> for the core group, otherwise <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>/api/v1</c> for the core group, otherwise <c>/apis/group/version</c>.</summary>
    public string GroupVersionPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    /// <summary>
    /// The collection path. A namespaced type with no namespace addresses all namespaces (list and watch only).
    /// </summary>
    public string CollectionPath(string? @namespace)
    {
        if (!Namespaced || string.IsNullOrEmpty(@namespace)) return $"{GroupVersionPath}/{Plural}";
        return $"{GroupVersionPath}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";
    }

    public string ItemPath(string? @namespace, string name)
    {
        if (Namespaced && string.IsNullOrEmpty(@namespace))
            throw new ArgumentException($"{Kind} is namespaced: a namespace is required to address '{name}'", nameof(@namespace));
        if (string.IsNullOrEmpty(name)) throw new ArgumentException($"a {Kind} name is required", nameof(name));
        return $"{CollectionPath(Namespaced ? @namespace : null)}/{Uri.EscapeDataString(name)}";
    }

    /// <summary>True when an owner reference or object reference with this apiVersion/kind names this type (any version of the group).</summary>
    public bool Matches(string apiVersion, string kind)
    {
        if (kind != Kind) return false;
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        return group == Group;
    }

    public override string ToString() => Group.Length == 0 ? $"{Plural}/{Version}" : $"{Plural}.{Group}/{Version}";
}
