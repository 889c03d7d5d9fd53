using RagOperator.Api.V1Alpha1;

namespace RagOperator.Operator.Builders;

/// <summary>
/// Everything a builder may read: the collection (with schema defaults already applied by its C# initializers or
/// by the API server), the node pool it names (null when it names none or the pool is missing) and the operator's
/// own settings. Builders are pure functions of this record.
/// </summary>
public sealed record BuildInput(VectorCollection Collection, VectorNodePool? NodePool, OperatorSettings Settings)
{
    public string Name => Collection.Metadata.Name ?? throw new InvalidOperationException("the collection has no metadata.name");

    public string Namespace => Collection.Metadata.Namespace ?? throw new InvalidOperationException($"collection {Name} has no metadata.namespace");

    public VectorCollectionSpec Spec => Collection.Spec;
}

/// <summary>Operator-wide settings that shape the children (images, field manager).</summary>
public sealed record OperatorSettings
{
    public const string DefaultRouterImage = "ghcr.io/ragoperator/rag-router:0.1.0";

    /// <summary>The router image used when a collection does not name one (<c>--router-image</c>).</summary>
    public string RouterImage { get; init; } = DefaultRouterImage;

    /// <summary>The server-side-apply field manager of every child write.</summary>
    public string FieldManager { get; init; } = "rag-operator";

    /// <summary>
    /// How soon a collection blocked by its spec (missing Secret, pool, nodes) is looked at again. Pools and nodes
    /// are watched; Secrets are not (the operator caches no Secrets), so this bounds how long a fix takes to be seen.
    /// </summary>
    public TimeSpan BlockedRecheck { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Lifetimes of the certificates the operator issues (spec.tls.mode Operator).</summary>
    public Tls.CertificateLifetimes CertificateLifetimes { get; init; } = Tls.CertificateLifetimes.Default;

    /// <summary>
    /// The namespace the operator's pods run in (<c>POD_NAMESPACE</c>); the NetworkPolicies admit the operator from
    /// there. Unknown (the operator runs outside a pod): they admit pods with the operator's labels in any namespace.
    /// </summary>
    public string? OperatorNamespace { get; init; }

    /// <summary>The labels of the operator's pods, as the chart and the kustomize manager set them.</summary>
    public IReadOnlyDictionary<string, string> OperatorPodLabels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/name"] = "rag-operator",
        ["app.kubernetes.io/component"] = "operator",
    };

    /// <summary>How long a pod replaced by a rolling upgrade may take to become Ready before the rollout halts.</summary>
    public TimeSpan RolloutPodTimeout { get; init; } = Upgrades.RolloutPlanner.DefaultPodReadyTimeout;
}
