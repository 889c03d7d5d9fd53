namespace RagOperator.InProcess.S3;

/// <summary>Settings of an <see cref="InProcessS3Server"/>. <see cref="ToString"/> never shows the secret.</summary>
public sealed class InProcessS3Options
{
    /// <summary>The one access key the server accepts.</summary>
    public string AccessKeyId { get; init; } = "AKIAINPROCESS0000001";

    public string SecretAccessKey { get; init; } = "in-process-secret-access-key-0000000000000";

    /// <summary>The region signatures must be scoped to.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Buckets that exist from the start.</summary>
    public IReadOnlyList<string> Buckets { get; init; } = ["snapshots"];

    /// <summary>Largest <c>max-keys</c> page of ListObjectsV2 (S3's is 1000); small values exercise paging.</summary>
    public int MaxKeys { get; init; } = 1000;

    /// <summary>How far <c>x-amz-date</c> may be from the server clock (S3 allows 15 minutes).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The smallest part, other than the last, that <c>CompleteMultipartUpload</c> accepts (<c>EntityTooSmall</c>
    /// below it). S3's is 5 MiB; tests lower it to exercise multipart uploads with KiB-sized parts.
    /// </summary>
    public long MinimumPartSize { get; init; } = 5L * 1024 * 1024;

    public override string ToString() => $"InProcessS3Options {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = ***, Region = {Region} }}";
}
