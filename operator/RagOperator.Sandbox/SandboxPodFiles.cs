using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Sandbox;

/// <summary>
/// Plays the kubelet's Secret volumes for an in-process pod: every Secret volume of the pod spec is written into a
/// directory of its own (one file per key, as the kubelet projects it), and a path the container would see under the
/// volume's mount path is translated to the file on this machine. An in-process shard or router then reads its
/// certificate from files named by its own environment, exactly as its container would. A Secret is read once, when
/// the pod starts: a renewed Secret is not projected again (a difference the README lists).
/// </summary>
public sealed class SandboxPodFiles : IDisposable
{
    private readonly string root;
    private readonly List<(string MountPath, string Directory)> mounts = [];

    private SandboxPodFiles(string root) => this.root = root;

    /// <summary>Projects the Secret volumes <paramref name="container"/> mounts; a missing Secret or key throws (the pod would not start).</summary>
    public static async Task<SandboxPodFiles> ProjectAsync(
        IKubernetesClient client, string @namespace, PodSpec pod, Container container, CancellationToken cancellationToken)
    {
        var files = new SandboxPodFiles(Directory.CreateTempSubdirectory("rag-sandbox-pod-").FullName);
        try
        {
            foreach (var mount in container.VolumeMounts ?? [])
            {
                if (pod.Volumes?.FirstOrDefault(v => v.Name == mount.Name)?.Secret is not { } source) continue;
                var secret = await client.GetAsync<Secret>(source.SecretName!, @namespace, cancellationToken);
                var directory = Directory.CreateDirectory(Path.Combine(files.root, mount.Name)).FullName;
                foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>())
                {
                    await File.WriteAllBytesAsync(Path.Combine(directory, key), value, cancellationToken);
                }

                files.mounts.Add((mount.MountPath.TrimEnd('/'), directory));
            }
        }
        catch
        {
            files.Dispose();
            throw;
        }

        return files;
    }

    /// <summary>Whether any Secret volume was projected.</summary>
    public bool Any => mounts.Count > 0;

    /// <summary>
    /// The file on this machine for a path inside the container (a value of one of its environment variables), or the
    /// value unchanged when it is not under a projected mount.
    /// </summary>
    public string? Translate(string? containerPath)
    {
        if (containerPath is null) return null;
        foreach (var (mountPath, directory) in mounts)
        {
            if (containerPath.StartsWith(mountPath + "/", StringComparison.Ordinal))
            {
                return Path.Combine(directory, containerPath[(mountPath.Length + 1)..]);
            }
        }

        return containerPath;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a server shutting down; the temporary directory is left for the OS to clean.
        }
    }
}
