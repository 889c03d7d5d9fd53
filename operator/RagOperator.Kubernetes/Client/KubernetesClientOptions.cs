namespace RagOperator.Kubernetes.Client;

public sealed record KubernetesClientOptions
{
    /// <summary>Sent as <c>fieldManager</c> on create, update and merge/JSON patches so managedFields name the operator.</summary>
    public string? FieldManager { get; init; } = "rag-operator";

    public string UserAgent { get; init; } = "rag-operator";

    /// <summary>Deadline of one attempt of a non-watch call (a watch's deadline covers only its response headers).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt, for 429 always and for 5xx / transport errors on idempotent verbs.</summary>
    public int MaxRetries { get; init; } = 4;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound on a server-requested Retry-After, so a bad header cannot stall a reconcile.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where API calls are counted (the operator's or router's registry); null counts nothing.</summary>
    public KubernetesClientMetrics? Metrics { get; init; }
}
