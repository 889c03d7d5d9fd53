namespace RagOperator.InProcess.Kubernetes;

/// <summary>How the simulated kubelet treats one pod.</summary>
public enum PodHealth
{
    /// <summary>Runs and becomes Ready after <see cref="WorkloadSimulatorOptions.ReadyDelay"/>.</summary>
    Healthy,

    /// <summary>Runs but its readiness probe fails: Ready=False.</summary>
    Unready,

    /// <summary>Its container keeps crashing: CrashLoopBackOff, restarts counted, Ready=False.</summary>
    Failing,
}

/// <summary>Knobs of the <see cref="WorkloadSimulator"/>.</summary>
public sealed record WorkloadSimulatorOptions
{
    /// <summary>Time from a pod's first sighting to Ready (image pull, start, readiness probe).</summary>
    public TimeSpan ReadyDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The IP every pod gets (status.podIP), 127.0.0.1 so tests can reach in-process servers.</summary>
    public string PodIp { get; init; } = "127.0.0.1";

    /// <summary>Maintain EndpointSlices for Services with a selector.</summary>
    public bool ManageEndpointSlices { get; init; } = true;

    /// <summary>Create PersistentVolumeClaims from StatefulSet volumeClaimTemplates (Bound at once).</summary>
    public bool ManagePersistentVolumeClaims { get; init; } = true;

    /// <summary>A full pass runs at least this often even without changes (a safety net, like an informer resync).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Seed for generated pod names (Deployment pods).</summary>
    public int Seed { get; init; } = 7;
}
