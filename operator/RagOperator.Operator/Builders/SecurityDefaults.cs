using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The Pod Security "restricted" profile, applied to every pod the operator builds: non-root uid/gid 1000, the
/// runtime's default seccomp profile, no capabilities, no privilege escalation and a read-only root filesystem
/// (writable paths are volumes).
/// </summary>
public static class SecurityDefaults
{
    public const long UserId = 1000;
    public const long GroupId = 1000;

    public static PodSecurityContext Pod() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = UserId,
        RunAsGroup = GroupId,
        FsGroup = GroupId,
        // Large Qdrant volumes would otherwise be chowned recursively on every pod start.
        FsGroupChangePolicy = "OnRootMismatch",
        SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" },
    };

    public static SecurityContext Container() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = UserId,
        RunAsGroup = GroupId,
        AllowPrivilegeEscalation = false,
        Privileged = false,
        ReadOnlyRootFilesystem = true,
        Capabilities = new Capabilities { Drop = ["ALL"] },
        SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" },
    };
}
