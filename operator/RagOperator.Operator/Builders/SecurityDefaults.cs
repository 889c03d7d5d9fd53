using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The Pod Security "restricted" profile, applied to every pod the operator builds: a non-root uid/gid, the
/// runtime's default seccomp profile, no capabilities, no privilege escalation and a read-only root filesystem
/// (writable paths are volumes). Qdrant runs as 1000 (the uid of Qdrant's unprivileged image, which owns its
/// data layout); the router as 65532, the non-root user its image declares.
/// </summary>
public static class SecurityDefaults
{
    public const long QdrantUserId = 1000;
    public const long RouterUserId = 65532;

    public static PodSecurityContext Pod(long userId) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = userId,
        RunAsGroup = userId,
        FsGroup = userId,
        // Large Qdrant volumes would otherwise be chowned recursively on every pod start.
        FsGroupChangePolicy = "OnRootMismatch",
        SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" },
    };

    public static SecurityContext Container(long userId) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = userId,
        RunAsGroup = userId,
        AllowPrivilegeEscalation = false,
        Privileged = false,
        ReadOnlyRootFilesystem = true,
        Capabilities = new Capabilities { Drop = ["ALL"] },
        SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" },
    };
}
