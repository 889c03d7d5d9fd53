namespace RagOperator.Operator.Reconciliation;

/// <summary>The condition types of a VectorCollection (Rebalancing is owned by the stream migration).</summary>
public static class ConditionTypes
{
    public const string Ready = "Ready";
    public const string Progressing = "Progressing";
    public const string Degraded = "Degraded";
    public const string Rebalancing = "Rebalancing";

    /// <summary>A template change (Qdrant version or image) rolling over the shard pods; owned by the rolling upgrade.</summary>
    public const string Upgrading = "Upgrading";

    /// <summary>Whether shard and router traffic is encrypted, and when the first certificate expires.</summary>
    public const string Tls = "TLS";

    /// <summary>Display order in status.conditions.</summary>
    public static IReadOnlyList<string> Order { get; } = [Ready, Progressing, Degraded, Rebalancing, Upgrading, Tls];
}

/// <summary>Machine-readable condition reasons (UpperCamelCase, as Kubernetes conventions ask).</summary>
public static class Reasons
{
    public const string Ready = "Ready";
    public const string Reconciled = "Reconciled";
    public const string AsExpected = "AsExpected";
    public const string Provisioning = "Provisioning";
    public const string WaitingForShards = "WaitingForShards";
    public const string CreatingCollections = "CreatingCollections";
    public const string WaitingForRouters = "WaitingForRouters";
    public const string ShardsNotReady = "ShardsNotReady";
    public const string NodePoolNotFound = "NodePoolNotFound";
    public const string NoMatchingNodes = "NoMatchingNodes";
    public const string SecretNotFound = "SecretNotFound";
    public const string SecretKeyNotFound = "SecretKeyNotFound";
    public const string InvalidSpec = "InvalidSpec";
    public const string ChildConflict = "ChildConflict";
    public const string QdrantUnavailable = "QdrantUnavailable";
    public const string ParametersNotApplicableInPlace = "ParametersNotApplicableInPlace";
    public const string StorageNotResizable = "StorageNotResizable";
    public const string RebalancePending = "RebalancePending";
    public const string ReconcileError = "ReconcileError";
    public const string Deleting = "Deleting";
    public const string ReplicatingShards = "ReplicatingShards";
    public const string ReplicasNotActive = "ReplicasNotActive";
    public const string RollingUpgrade = "RollingUpgrade";
    public const string UpgradeHalted = "UpgradeHalted";
    public const string UpToDate = "UpToDate";
    public const string VersionSkipRefused = "VersionSkipRefused";
    public const string CertificatesValid = "CertificatesValid";
    public const string TlsDisabled = "TlsDisabled";
    public const string CertificatesPending = "CertificatesPending";
    public const string CertManagerMissing = "CertManagerMissing";
    public const string InvalidTlsSecret = "InvalidTlsSecret";
}

/// <summary>status.phase values.</summary>
public static class Phases
{
    public const string Pending = "Pending";
    public const string Provisioning = "Provisioning";
    public const string Ready = "Ready";
    public const string Updating = "Updating";
    public const string Rebalancing = "Rebalancing";
    public const string Degraded = "Degraded";
    public const string Deleting = "Deleting";
}
