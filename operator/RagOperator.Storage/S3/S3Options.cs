using RagOperator.Storage.Signing;

namespace RagOperator.Storage.S3;

/// <summary>
/// Where an S3-compatible bucket is and how to sign for it. A class, not a record, so that no generated
/// <c>ToString</c> can print the credentials.
/// </summary>
public sealed class S3Options
{
    /// <summary>The service endpoint, e.g. <c>https://s3.eu-west-1.amazonaws.com</c> or <c>http://minio.storage:9000</c>.</summary>
    public required Uri Endpoint { get; init; }

    public required string Bucket { get; init; }

    /// <summary>Key prefix every object of this store lives under (no leading or trailing <c>/</c> needed).</summary>
    public string? Prefix { get; init; }

    /// <summary>Signing region; S3-compatible stores that ignore regions accept <c>us-east-1</c>.</summary>
    public string Region { get; init; } = "us-east-1";

    public required SigV4Credentials Credentials { get; init; }

    /// <summary>
    /// Path-style addressing (<c>endpoint/bucket/key</c>), which every S3-compatible store serves; false addresses the
    /// bucket as a virtual host (<c>bucket.endpoint/key</c>).
    /// </summary>
    public bool PathStyle { get; init; } = true;

    /// <summary>Timeout of one request without a body to stream (list, delete, errors).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Objects up to this size go in one <c>PutObject</c>; larger ones in a multipart upload with parts of this size
    /// (raised to <see cref="MinimumPartSize"/> and as needed to stay within 10 000 parts, see
    /// <see cref="S3PartSizing.PartSize"/>). One part is held in memory at a time. At most 1 GiB.
    /// </summary>
    public long PartSize { get; init; } = S3PartSizing.DefaultPartSize;

    /// <summary>The smallest part the service accepts before the last one: 5 MiB on S3; lower only for test servers.</summary>
    public long MinimumPartSize { get; init; } = S3PartSizing.MinimumPartSize;

    /// <summary>
    /// Retries of one request of a multipart upload (create, part, complete, abort) that failed transiently (5xx, 429,
    /// connection failure or timeout). Their bodies are held in memory and can be sent again; a single
    /// <c>PutObject</c> streams the caller's body once and is not retried here.
    /// </summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First retry delay; it doubles per attempt (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public override string ToString() => $"S3Options {{ Endpoint = {Endpoint}, Bucket = {Bucket}, Prefix = {Prefix}, Region = {Region}, Credentials = *** }}";
}
