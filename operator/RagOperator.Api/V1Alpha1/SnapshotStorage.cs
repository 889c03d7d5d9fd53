using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using RagOperator.Api.Schema;

namespace RagOperator.Api.V1Alpha1;

/// <summary>Where a snapshot set is stored: a PersistentVolumeClaim mounted into the operator, or an S3-compatible bucket.</summary>
[CelRule("has(self.pvc) != has(self.s3)",
    "set exactly one of storage.pvc (a PersistentVolumeClaim mounted into the operator) and storage.s3 (an S3-compatible bucket)")]
public sealed class SnapshotStorageSpec
{
    [Description("A PersistentVolumeClaim in the operator's namespace that the operator pod mounts (chart value snapshots.volumes); files are written under <mount>/<path>/.")]
    public PvcSnapshotStorage? Pvc { get; set; }

    [Description("An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...); requests are signed with AWS Signature Version 4.")]
    public S3SnapshotStorage? S3 { get; set; }
}

public sealed class PvcSnapshotStorage
{
    [Required]
    [MaxLength(253)]
    [RegularExpression(ApiPatterns.DnsSubdomain)]
    [Description("Name of the PersistentVolumeClaim; it must be listed in the chart value snapshots.volumes so that the operator pod mounts it.")]
    public string ClaimName { get; set; } = "";

    [MaxLength(256)]
    [RegularExpression(ApiPatterns.ObjectPath)]
    [Description("Directory inside the volume, as segments of letters, digits, '.', '_' and '-' separated by '/'.")]
    public string? Path { get; set; }
}

public sealed class S3SnapshotStorage
{
    [Required]
    [RegularExpression(@"^https?://[^\s/?#]+/?$")]
    [Description("Endpoint URL of the S3 API, for example https://s3.eu-west-1.amazonaws.com or http://minio.storage.svc:9000 (scheme and host only).")]
    public string Endpoint { get; set; } = "";

    [Required]
    [RegularExpression(@"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    [Description("Bucket name (3-63 lower-case letters, digits, '.' and '-').")]
    public string Bucket { get; set; } = "";

    [MaxLength(256)]
    [RegularExpression(ApiPatterns.ObjectPath)]
    [Description("Key prefix the snapshot sets are stored under, as segments separated by '/'.")]
    public string? Prefix { get; set; }

    [RegularExpression(@"^[a-z0-9-]+$")]
    [Description("Region the requests are signed for; S3-compatible stores without regions accept us-east-1.")]
    public string Region { get; set; } = "us-east-1";

    [Description("Address the bucket as a virtual host (https://<bucket>.<endpoint host>/) instead of path-style (https://<endpoint host>/<bucket>/), which every S3-compatible store serves.")]
    public bool VirtualHostedStyle { get; set; }

    [Required]
    [Description("Secret in the resource's namespace holding the access key; credentials are only ever referenced, never copied into a spec or status.")]
    public S3CredentialsSecretRef CredentialsSecretRef { get; set; } = new();
}

public sealed class S3CredentialsSecretRef
{
    [Required]
    [MaxLength(253)]
    [RegularExpression(ApiPatterns.DnsSubdomain)]
    [Description("Name of the Secret.")]
    public string Name { get; set; } = "";

    [Description("Key of the access key id in the Secret.")]
    public string AccessKeyIdKey { get; set; } = "accessKeyId";

    [Description("Key of the secret access key in the Secret.")]
    public string SecretAccessKeyKey { get; set; } = "secretAccessKey";

    [Description("Key of an optional session token in the Secret (temporary credentials); ignored when the Secret has no such key.")]
    public string SessionTokenKey { get; set; } = "sessionToken";
}

[JsonConverter(typeof(JsonStringEnumConverter<SnapshotDeletionPolicy>))]
public enum SnapshotDeletionPolicy
{
    Retain,
    Delete,
}

/// <summary>Status values shared by VectorSnapshot and VectorRestore.</summary>
public sealed class TransferProgress
{
    [Description("Shards in the snapshot set.")]
    public int ShardsTotal { get; set; }

    [Description("Shards whose file is stored (snapshot) or recovered (restore).")]
    public int ShardsDone { get; set; }

    [Description("Bytes moved so far.")]
    public long Bytes { get; set; }

    [Description("Shards done of total, for example 3/4 (printer column).")]
    public string? Summary { get; set; }
}

/// <summary>One shard's file of a snapshot set.</summary>
public sealed class SnapshotFileStatus
{
    [Required]
    [Description("Shard id (its index in the routing table).")]
    public int Shard { get; set; }

    [Description("Object key of the file, relative to the storage (and its prefix or path).")]
    public string Key { get; set; } = "";

    [Description("Size in bytes.")]
    public long Size { get; set; }

    [Description("SHA-256 of the file, lower-case hex.")]
    public string Sha256 { get; set; } = "";

    [Description("Points on the shard when its snapshot was taken (snapshot), or after recovery (restore).")]
    public long Points { get; set; }
}

internal static class ApiPatterns
{
    public const string DnsSubdomain = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public const string DnsLabel = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string ObjectPath = @"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$";
}
