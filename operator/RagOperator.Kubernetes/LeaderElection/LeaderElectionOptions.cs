namespace RagOperator.Kubernetes.LeaderElection;

/// <summary>Leader election on a coordination.k8s.io/v1 Lease (defaults are client-go's).</summary>
public sealed record LeaderElectionOptions
{
    public required string LeaseName { get; init; }
    public required string Namespace { get; init; }

    /// <summary>Unique per replica, for example the pod name plus a random suffix.</summary>
    public required string Identity { get; init; }

    /// <summary>How long a standby waits, after it last saw the lease change, before taking it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long the leader keeps leading without a successful renewal, counted from the start of its last successful
    /// renew request. Strictly shorter than <see cref="LeaseDuration"/>: the leader steps down before any standby
    /// may take over, so there is never a moment with two leaders.
    /// </summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between acquire attempts and between renewals.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On graceful shutdown, stop the leader's work and then give the lease up so a standby takes over at once.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where <c>leader_is_leader</c> is reported (the host's registry); null reports nothing.</summary>
    public Runtime.ControllerMetrics? Metrics { get; init; }

    internal void Validate()
    {
        if (RenewDeadline >= LeaseDuration)
            throw new ArgumentException($"RenewDeadline ({RenewDeadline}) must be shorter than LeaseDuration ({LeaseDuration})");
        if (RetryPeriod >= RenewDeadline)
            throw new ArgumentException($"RetryPeriod ({RetryPeriod}) must be shorter than RenewDeadline ({RenewDeadline})");
        if (LeaseDuration < TimeSpan.FromSeconds(1))
            throw new ArgumentException("LeaseDuration must be at least one second (the Lease stores whole seconds)");
        if (string.IsNullOrWhiteSpace(Identity)) throw new ArgumentException("Identity is required");
    }
}
