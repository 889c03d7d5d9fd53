namespace RagOperator.InProcess.Kubernetes;

/// <summary>Knobs of the in-process API server. The defaults suit tests.</summary>
public sealed record InProcessApiServerOptions
{
    /// <summary>
    /// When set, every request must carry <c>Authorization: Bearer &lt;token&gt;</c> with a token this accepts, else 401
    /// (a token that expires or rotates is checked on every request). Null: no authentication.
    /// </summary>
    public Func<string, bool>? AcceptsBearerToken { get; init; }

    /// <summary>When set, the server speaks HTTPS with this certificate (it must cover 127.0.0.1); otherwise plain HTTP.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate { get; init; }

    /// <summary>How often a watch with allowWatchBookmarks gets a BOOKMARK (the real server: about once a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of a watch without timeoutSeconds (the real server picks 30–60 minutes).</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Events kept for watch resumption; past it the oldest tenth is compacted (like etcd compaction).</summary>
    public int HistoryLimit { get; init; } = 100_000;

    /// <summary>Seed of every random choice (generated names, uids, fault probabilities), for reproducible runs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// When true, creating a namespaced object in a namespace that does not exist fails with 404, as on a real
    /// cluster. When false (the default), namespaces need not exist.
    /// </summary>
    public bool RequireNamespaces { get; init; }

    /// <summary>Namespaces that exist from the start (a real cluster has these).</summary>
    public IReadOnlyList<string> InitialNamespaces { get; init; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>Clock for timestamps (creationTimestamp, deletionTimestamp, managedFields).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The Kubernetes version /version reports.</summary>
    public string KubernetesVersion { get; init; } = "v1.34.0";
}
