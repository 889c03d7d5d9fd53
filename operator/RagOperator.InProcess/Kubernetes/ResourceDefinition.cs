namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// A resource the server serves (built-in or from a CRD): its names, scope and served versions. Objects are
/// stored once per group and plural; every served version shows the same object with its apiVersion rewritten
/// (the CRD "None" conversion strategy).
/// </summary>
internal sealed class ResourceDefinition
{
    public required string Group { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required string Kind { get; init; }

    public required string ListKind { get; init; }

    public required bool Namespaced { get; init; }

    public required IReadOnlyList<ResourceVersion> Versions { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public bool IsCustom { get; init; }

    /// <summary>"statefulsets.apps", or just "pods" for the core group: the name used in error messages and as store key.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>"StatefulSet.apps": how Invalid errors name the kind.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public ResourceVersion? FindVersion(string version) => Versions.FirstOrDefault(v => v.Name == version);

    public ResourceVersion StorageVersion => Versions.FirstOrDefault(v => v.Storage) ?? Versions[0];

    public string ApiVersionFor(string version) => Group.Length == 0 ? version : $"{Group}/{version}";
}

/// <summary>One served version of a resource.</summary>
/// <param name="Name">The version, e.g. v1alpha1.</param>
/// <param name="Storage">Whether this is the storage version.</param>
/// <param name="HasStatusSubresource">Whether /status exists; then the main resource ignores status and /status ignores the rest.</param>
/// <param name="Schema">Validation, defaulting and pruning for custom resources; null for built-ins.</param>
/// <param name="Shape">List and map semantics for patches and server-side apply.</param>
/// <param name="Scale">The /scale subresource's paths, when the version serves one.</param>
internal sealed record ResourceVersion(string Name, bool Storage, bool HasStatusSubresource, CustomResourceSchema? Schema, IObjectShape Shape, ScalePaths? Scale = null);

/// <summary>Where a custom resource keeps what its /scale subresource shows (paths like <c>.spec.replicas</c>).</summary>
internal sealed record ScalePaths(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>A resource resolved from a request path: the definition and the version the client speaks.</summary>
internal sealed record ResolvedResource(ResourceDefinition Definition, ResourceVersion Version)
{
    public string ApiVersion => Definition.ApiVersionFor(Version.Name);
}
