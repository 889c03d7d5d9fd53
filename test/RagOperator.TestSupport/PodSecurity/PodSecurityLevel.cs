namespace RagOperator.TestSupport.PodSecurity;

/// <summary>The Pod Security Standards levels that have checks (privileged has none).</summary>
public enum PodSecurityLevel
{
    /// <summary>Prevents known privilege escalations.</summary>
    Baseline,

    /// <summary>Baseline plus current hardening best practice.</summary>
    Restricted,
}

/// <summary>One failed check: which control, the offending field's path, and what was wrong.</summary>
public sealed record PodSecurityViolation(PodSecurityLevel Level, string Control, string Path, string Message)
{
    public override string ToString() => $"[{Level}/{Control}] {Path}: {Message}";
}
