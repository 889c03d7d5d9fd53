namespace RagOperator.Operator.Naming;

/// <summary>
/// The label contract of every child object. Selectors use only the immutable subset (instance, component,
/// collection, shard) so that a label added later never orphans running pods.
/// </summary>
public static class Labels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Instance = "app.kubernetes.io/instance";
    public const string Component = "app.kubernetes.io/component";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string Collection = "ragoperator.io/collection";
    public const string Shard = "ragoperator.io/shard";

    public const string ManagedByValue = "rag-operator";
    public const string QdrantName = "qdrant";
    public const string RouterName = "rag-router";
    public const string ShardComponent = "shard";
    public const string RouterComponent = "router";
    public const string RoutingComponent = "routing";
    public const string CertificatesComponent = "certificates";

    /// <summary>Selects every object the operator manages (informers filter on it).</summary>
    public static string ManagedSelector => $"{ManagedBy}={ManagedByValue}";

    public static Dictionary<string, string> ForShard(string collection, int shard) => new(StringComparer.Ordinal)
    {
        [Name] = QdrantName,
        [Instance] = collection,
        [Component] = ShardComponent,
        [ManagedBy] = ManagedByValue,
        [Collection] = collection,
        [Shard] = shard.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The pod selector of one shard: stable for the StatefulSet's lifetime.</summary>
    public static Dictionary<string, string> ShardSelector(string collection, int shard) => new(StringComparer.Ordinal)
    {
        [Instance] = collection,
        [Component] = ShardComponent,
        [Shard] = shard.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The pods of every shard of a collection, as a label selector string (status.selector, for the scale subresource).</summary>
    public static string AllShardsSelector(string collection) => $"{Instance}={collection},{Component}={ShardComponent}";

    /// <summary>Objects shared by all shards of a collection (the bootstrap script ConfigMap).</summary>
    public static Dictionary<string, string> ForShards(string collection) => new(StringComparer.Ordinal)
    {
        [Name] = QdrantName,
        [Instance] = collection,
        [Component] = ShardComponent,
        [ManagedBy] = ManagedByValue,
        [Collection] = collection,
    };

    /// <summary>The collection's certificate Secrets.</summary>
    public static Dictionary<string, string> ForCertificates(string collection) => new(StringComparer.Ordinal)
    {
        [Instance] = collection,
        [Component] = CertificatesComponent,
        [ManagedBy] = ManagedByValue,
        [Collection] = collection,
    };

    public static Dictionary<string, string> ForRouter(string collection) => new(StringComparer.Ordinal)
    {
        [Name] = RouterName,
        [Instance] = collection,
        [Component] = RouterComponent,
        [ManagedBy] = ManagedByValue,
        [Collection] = collection,
    };

    public static Dictionary<string, string> RouterSelector(string collection) => new(StringComparer.Ordinal)
    {
        [Instance] = collection,
        [Component] = RouterComponent,
    };

    /// <summary>The pods of every shard of a collection (NetworkPolicies).</summary>
    public static Dictionary<string, string> AllShards(string collection) => new(StringComparer.Ordinal)
    {
        [Instance] = collection,
        [Component] = ShardComponent,
    };

    public static Dictionary<string, string> ForRouting(string collection) => new(StringComparer.Ordinal)
    {
        [Name] = RouterName,
        [Instance] = collection,
        [Component] = RoutingComponent,
        [ManagedBy] = ManagedByValue,
        [Collection] = collection,
    };

    /// <summary>Renders a selector map as the label-selector query string (<c>a=b,c=d</c>).</summary>
    public static string ToSelector(IReadOnlyDictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}
