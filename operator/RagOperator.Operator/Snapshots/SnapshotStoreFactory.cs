using System.Text;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Storage;
using RagOperator.Storage.FileSystem;
using RagOperator.Storage.S3;
using RagOperator.Storage.Signing;

namespace RagOperator.Operator.Snapshots;

/// <summary>The storage of a snapshot cannot be used as configured; the message says what to fix.</summary>
public sealed class SnapshotStorageException(string reason, string message) : Exception(message)
{
    /// <summary>A condition reason: SecretNotFound, SecretKeyNotFound or VolumeNotMounted.</summary>
    public string Reason { get; } = reason;
}

/// <summary>Opens the <see cref="IObjectStore"/> a <see cref="SnapshotStorageSpec"/> names.</summary>
public interface ISnapshotStoreFactory
{
    /// <summary>Throws <see cref="SnapshotStorageException"/> when a Secret or key is missing or a volume is not mounted.</summary>
    Task<IObjectStore> OpenAsync(string @namespace, SnapshotStorageSpec storage, CancellationToken cancellationToken);
}

/// <summary>
/// In a cluster: <c>storage.pvc</c> is a directory under <paramref name="volumeRoot"/> (the chart mounts each claim
/// listed in <c>snapshots.volumes</c> at <c>&lt;volumeRoot&gt;/&lt;claimName&gt;</c>); <c>storage.s3</c> is an
/// <see cref="S3ObjectStore"/> with the access key read from the referenced Secret at every open (so a rotated key
/// is picked up, and no credential is cached by the operator).
/// </summary>
public sealed class SnapshotStoreFactory(IKubernetesClient client, HttpClient http, string volumeRoot, TimeProvider? time = null) : ISnapshotStoreFactory
{
    public const string DefaultVolumeRoot = "/var/lib/rag-operator/snapshots";

    public string VolumeRoot { get; } = volumeRoot;

    public async Task<IObjectStore> OpenAsync(string @namespace, SnapshotStorageSpec storage, CancellationToken cancellationToken)
    {
        if (storage.Pvc is { } pvc)
        {
            var mount = Path.Combine(VolumeRoot, pvc.ClaimName);
            if (!Directory.Exists(mount))
            {
                throw new SnapshotStorageException("VolumeNotMounted",
                    $"PersistentVolumeClaim {pvc.ClaimName} is not mounted into the operator (expected at {mount}); add it to the Helm value " +
                    "snapshots.volumes (the claim must be in the operator's namespace), or store snapshots in S3 (storage.s3)");
            }

            var root = pvc.Path is { Length: > 0 } path ? Path.Combine(mount, path.Replace('/', Path.DirectorySeparatorChar)) : mount;
            return new FileSystemObjectStore(root, $"pvc://{pvc.ClaimName}/{pvc.Path ?? ""}".TrimEnd('/'));
        }

        var s3 = storage.S3 ?? throw new SnapshotStorageException("InvalidStorage", "storage names neither pvc nor s3; set exactly one of them");
        var reference = s3.CredentialsSecretRef;
        var secret = await client.TryGetAsync<Secret>(reference.Name, @namespace, cancellationToken)
            ?? throw new SnapshotStorageException("SecretNotFound",
                $"Secret {reference.Name} (storage.s3.credentialsSecretRef) does not exist in namespace {@namespace}; create it, for example " +
                $"kubectl -n {@namespace} create secret generic {reference.Name} --from-literal={reference.AccessKeyIdKey}=<id> --from-literal={reference.SecretAccessKeyKey}=<secret>");
        var accessKey = Value(secret, reference.AccessKeyIdKey, reference.Name);
        var secretKey = Value(secret, reference.SecretAccessKeyKey, reference.Name);
        var token = secret.Data?.TryGetValue(reference.SessionTokenKey, out var raw) == true && raw.Length > 0 ? Encoding.UTF8.GetString(raw) : null;
        return new S3ObjectStore(http, new S3Options
        {
            Endpoint = new Uri(s3.Endpoint),
            Bucket = s3.Bucket,
            Prefix = s3.Prefix,
            Region = s3.Region,
            PathStyle = !s3.VirtualHostedStyle,
            Credentials = new SigV4Credentials(accessKey, secretKey, token),
            Time = time ?? TimeProvider.System,
        });
    }

    private static string Value(Secret secret, string key, string name) =>
        secret.Data?.TryGetValue(key, out var value) == true && value.Length > 0
            ? Encoding.UTF8.GetString(value)
            : throw new SnapshotStorageException("SecretKeyNotFound",
                $"Secret {name} (storage.s3.credentialsSecretRef) has no non-empty key {key}; add the key or change the key name in credentialsSecretRef");
}
