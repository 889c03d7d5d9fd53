using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using RagOperator.Storage.Signing;

namespace RagOperator.InProcess.S3;

/// <summary>
/// An S3-compatible object store in the test process (Kestrel on 127.0.0.1), standing in for AWS S3 or MinIO. It
/// serves, path-style (<c>/{bucket}/{key}</c>): <c>PutObject</c>, <c>GetObject</c>, <c>HeadObject</c>,
/// <c>DeleteObject</c>, <c>ListObjectsV2</c> (<c>prefix</c>, <c>max-keys</c>, <c>continuation-token</c>) and the
/// multipart upload (<c>CreateMultipartUpload</c>, <c>UploadPart</c>, <c>CompleteMultipartUpload</c>,
/// <c>AbortMultipartUpload</c>: see <c>InProcessS3Server.Multipart.cs</c>), with S3's XML bodies and error codes
/// (<c>NoSuchKey</c>, <c>NoSuchBucket</c>, <c>NoSuchUpload</c>, <c>InvalidPart</c>, <c>InvalidPartOrder</c>,
/// <c>EntityTooSmall</c>, <c>MalformedXML</c>, <c>InvalidArgument</c>, <c>AccessDenied</c>, <c>InvalidAccessKeyId</c>,
/// <c>SignatureDoesNotMatch</c>, <c>RequestTimeTooSkewed</c>, <c>XAmzContentSHA256Mismatch</c>, <c>SlowDown</c>).
/// Every request must carry a valid SigV4 <c>Authorization</c> header for the configured key and region: the
/// signature is recomputed over the signed headers, a declared payload hash is checked against the body, and the
/// request time must be within <see cref="InProcessS3Options.MaxClockSkew"/>.
/// <para>Where it departs from S3: objects and upload parts live in memory; no virtual-hosted addressing,
/// query-string (presigned) auth, versioning, ACLs, ETag preconditions, <c>Content-MD5</c>, ranges or bucket creation
/// over the API; the ETag is the MD5 of the content (as S3's for single-part puts without SSE-KMS); continuation
/// tokens are the last key returned, in clear. Multipart: the smallest non-last part is
/// <see cref="InProcessS3Options.MinimumPartSize"/> (S3's fixed 5 MiB by default, lowered in tests); no
/// <c>ListParts</c>, <c>ListMultipartUploads</c>, <c>UploadPartCopy</c>, per-part checksums or 5 GiB part limit
/// (a part is one in-memory array); no lifecycle rules, so an unfinished upload stays until it is aborted; a
/// completion answers 200 only once the object is in place, never 200 with an error body as S3 can.</para>
/// </summary>
public sealed partial class InProcessS3Server : IAsyncDisposable
{
    private static readonly XNamespace S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private readonly WebApplication app;
    private readonly InProcessS3Options options;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, S3Object>> buckets = new(StringComparer.Ordinal);
    private long requests;
    private long rejected;

    private InProcessS3Server(WebApplication app, InProcessS3Options options)
    {
        this.app = app;
        this.options = options;
        foreach (var bucket in options.Buckets) buckets[bucket] = new ConcurrentDictionary<string, S3Object>(StringComparer.Ordinal);
    }

    /// <summary>Base URI ending in '/', e.g. <c>http://127.0.0.1:40123/</c> (the S3 endpoint).</summary>
    public Uri BaseUri { get; private set; } = null!;

    public S3Faults Faults { get; } = new();

    public string AccessKeyId => options.AccessKeyId;

    public string SecretAccessKey => options.SecretAccessKey;

    public string Region => options.Region;

    /// <summary>Requests answered so far (faults and rejections included).</summary>
    public long RequestCount => Interlocked.Read(ref requests);

    /// <summary>Requests refused for a missing, unknown or wrong signature.</summary>
    public long RejectedSignatures => Interlocked.Read(ref rejected);

    public static async Task<InProcessS3Server> StartAsync(InProcessS3Options? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InProcessS3Options();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(InProcessS3Server).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var webApp = builder.Build();
        var server = new InProcessS3Server(webApp, options);
        webApp.Run(server.HandleAsync);
        await webApp.StartAsync(cancellationToken);
        var address = webApp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>The keys in a bucket, in order (direct, fault-free access for assertions).</summary>
    public IReadOnlyList<string> Keys(string bucket) =>
        buckets.TryGetValue(bucket, out var objects) ? [.. objects.Keys.Order(StringComparer.Ordinal)] : [];

    /// <summary>An object's content, or null.</summary>
    public byte[]? Content(string bucket, string key) =>
        buckets.TryGetValue(bucket, out var objects) && objects.TryGetValue(key, out var found) ? found.Content : null;

    /// <summary>An object's ETag as S3 gives it (quoted; <c>"md5-of-part-md5s-N"</c> for one uploaded in N parts), or null.</summary>
    public string? ETag(string bucket, string key) =>
        buckets.TryGetValue(bucket, out var objects) && objects.TryGetValue(key, out var found) ? found.ETag : null;

    /// <summary>Replaces an object's content behind the API's back (to simulate corruption at rest).</summary>
    public void Overwrite(string bucket, string key, byte[] content) =>
        buckets[bucket][key] = new S3Object(content, options.Time.GetUtcNow());

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref requests);
        if (Faults.Down)
        {
            context.Abort();
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        try
        {
            var body = await ReadBodyAsync(context);
            Authenticate(context, path, body);
            if (Faults.NextInjectedStatus(partUpload: IsUploadPart(context.Request)) is { } injected)
            {
                throw new S3Error(injected, injected == 503 ? "SlowDown" : "InternalError", "injected fault");
            }

            await RouteAsync(context, path, body);
        }
        catch (S3Error error)
        {
            if (error.Code is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch") Interlocked.Increment(ref rejected);
            await WriteErrorAsync(context, error, path);
        }
    }

    private async Task RouteAsync(HttpContext context, string path, byte[] body)
    {
        var trimmed = path.TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var bucketName = slash < 0 ? trimmed : trimmed[..slash];
        var key = slash < 0 ? "" : trimmed[(slash + 1)..];
        if (bucketName.Length == 0) throw new S3Error(405, "MethodNotAllowed", "listing buckets is not supported");
        if (!buckets.TryGetValue(bucketName, out var bucket)) throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
        var method = context.Request.Method;
        if (key.Length == 0)
        {
            if (method != HttpMethods.Get || context.Request.Query["list-type"] != "2")
                throw new S3Error(501, "NotImplemented", "only ListObjectsV2 (GET ?list-type=2) is served on a bucket");
            await ListAsync(context, bucketName, bucket);
            return;
        }

        if (await TryRouteMultipartAsync(context, bucketName, bucket, key, body)) return;

        switch (method)
        {
            case "PUT":
                bucket[key] = new S3Object(body, options.Time.GetUtcNow());
                context.Response.Headers.ETag = bucket[key].ETag;
                context.Response.StatusCode = 200;
                return;
            case "GET" or "HEAD":
                if (!bucket.TryGetValue(key, out var found)) throw new S3Error(404, "NoSuchKey", "The specified key does not exist.");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = found.Content.Length;
                context.Response.Headers.ETag = found.ETag;
                context.Response.Headers.LastModified = found.Modified.ToString("R", CultureInfo.InvariantCulture);
                if (method == "GET") await context.Response.Body.WriteAsync(found.Content, context.RequestAborted);
                return;
            case "DELETE":
                bucket.TryRemove(key, out _);
                context.Response.StatusCode = 204;
                return;
            default:
                throw new S3Error(405, "MethodNotAllowed", $"{method} is not allowed on an object");
        }
    }

    private async Task ListAsync(HttpContext context, string bucketName, ConcurrentDictionary<string, S3Object> bucket)
    {
        var prefix = context.Request.Query["prefix"].FirstOrDefault() ?? "";
        var after = context.Request.Query["continuation-token"].FirstOrDefault() ?? context.Request.Query["start-after"].FirstOrDefault();
        var maxKeys = int.TryParse(context.Request.Query["max-keys"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var requested)
            ? Math.Min(requested, options.MaxKeys)
            : options.MaxKeys;
        var matching = bucket
            .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(o.Key, after) > 0))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        var page = matching.Take(maxKeys).ToList();
        var truncated = matching.Count > page.Count;
        var result = new XElement(S3Namespace + "ListBucketResult",
            new XElement(S3Namespace + "Name", bucketName),
            new XElement(S3Namespace + "Prefix", prefix),
            new XElement(S3Namespace + "KeyCount", page.Count),
            new XElement(S3Namespace + "MaxKeys", maxKeys),
            new XElement(S3Namespace + "IsTruncated", truncated ? "true" : "false"),
            page.Select(o => new XElement(S3Namespace + "Contents",
                new XElement(S3Namespace + "Key", o.Key),
                new XElement(S3Namespace + "LastModified", o.Value.Modified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                new XElement(S3Namespace + "ETag", o.Value.ETag),
                new XElement(S3Namespace + "Size", o.Value.Content.Length),
                new XElement(S3Namespace + "StorageClass", "STANDARD"))));
        if (after is not null) result.Add(new XElement(S3Namespace + "ContinuationToken", after));
        if (truncated) result.Add(new XElement(S3Namespace + "NextContinuationToken", page[^1].Key));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(new XDocument(new XDeclaration("1.0", "UTF-8", null), result).Declaration + result.ToString(SaveOptions.DisableFormatting), context.RequestAborted);
    }

    /// <summary>Checks the SigV4 header the way S3 does; throws the error S3 would answer.</summary>
    private void Authenticate(HttpContext context, string path, byte[] body)
    {
        var header = context.Request.Headers.Authorization.FirstOrDefault();
        if (header is null) throw new S3Error(403, "AccessDenied", "Access Denied");
        var authorization = SigV4Signer.ParseAuthorization(header)
            ?? throw new S3Error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed");
        if (authorization.AccessKeyId != options.AccessKeyId)
            throw new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
        if (authorization.Region != options.Region || authorization.Service != "s3")
            throw new S3Error(400, "AuthorizationHeaderMalformed", $"the credential scope must name region '{options.Region}' and service 's3'");
        if (!SigV4Signer.TryParseTime(context.Request.Headers["x-amz-date"].FirstOrDefault(), out var time))
            throw new S3Error(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
        if (authorization.Date != time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture))
            throw new S3Error(403, "SignatureDoesNotMatch", "the credential scope date does not match x-amz-date");
        if ((options.Time.GetUtcNow() - time).Duration() > options.MaxClockSkew)
            throw new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
        var payloadHash = context.Request.Headers["x-amz-content-sha256"].FirstOrDefault()
            ?? throw new S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        if (!authorization.SignedHeaders.Contains("host") || !authorization.SignedHeaders.Contains("x-amz-content-sha256"))
            throw new S3Error(403, "SignatureDoesNotMatch", "host and x-amz-content-sha256 must be signed");

        var headers = authorization.SignedHeaders
            .Select(name => KeyValuePair.Create(name, name == "host" ? context.Request.Host.Value ?? "" : string.Join(',', context.Request.Headers[name].ToArray())))
            .ToList();
        var query = context.Request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
        var expected = SigV4Signer.Signature(new SigV4Request(context.Request.Method, path, query, headers, payloadHash), options.SecretAccessKey, time, options.Region, "s3");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(authorization.Signature)))
            throw new S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        if (payloadHash != SigV4Signer.UnsignedPayload && !string.Equals(payloadHash, SigV4Signer.Hex(SHA256.HashData(body)), StringComparison.Ordinal))
            throw new S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static async Task WriteErrorAsync(HttpContext context, S3Error error, string resource)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/xml";
        if (context.Request.Method == HttpMethods.Head) return;
        var document = new XElement("Error",
            new XElement("Code", error.Code),
            new XElement("Message", error.Message),
            new XElement("Resource", resource),
            new XElement("RequestId", Guid.NewGuid().ToString("N")[..16].ToUpperInvariant()));
        await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + document.ToString(SaveOptions.DisableFormatting), context.RequestAborted);
    }

    /// <summary>An object; <paramref name="MultipartETag"/> is set for one assembled from parts.</summary>
    private sealed record S3Object(byte[] Content, DateTimeOffset Modified, string? MultipartETag = null)
    {
        // S3's ETag of a single-part object is the MD5 of its content: an identifier, not a security measure.
#pragma warning disable CA5351
        public string ETag { get; } = MultipartETag ?? $"\"{Convert.ToHexStringLower(MD5.HashData(Content))}\"";
#pragma warning restore CA5351
    }

    private sealed class S3Error(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;

        public string Code { get; } = code;
    }
}
