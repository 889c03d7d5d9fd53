using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace RagOperator.InProcess.S3;

/// <summary>
/// S3's multipart upload: <c>POST /{bucket}/{key}?uploads</c> starts one (<c>InitiateMultipartUploadResult</c>),
/// <c>PUT ?partNumber=N&amp;uploadId=…</c> stores part N (1–10 000; a part sent again replaces the earlier one) and
/// answers its ETag, <c>POST ?uploadId=…</c> with a <c>CompleteMultipartUpload</c> list assembles the named parts in
/// order into the object (<c>CompleteMultipartUploadResult</c>; parts not named are discarded) and
/// <c>DELETE ?uploadId=…</c> aborts it (204). The object exists only once completed.
/// </summary>
public sealed partial class InProcessS3Server
{
    private const int MaxPartNumber = 10_000;
    private readonly ConcurrentDictionary<string, MultipartUpload> uploads = new(StringComparer.Ordinal);
    private long abortedUploads;

    /// <summary>Keys with a multipart upload started and neither completed nor aborted, in order (one per upload).</summary>
    public IReadOnlyList<string> PendingUploads(string bucket) =>
        [.. uploads.Values.Where(u => u.Bucket == bucket).Select(u => u.Key).Order(StringComparer.Ordinal)];

    /// <summary>Multipart uploads aborted through <c>AbortMultipartUpload</c> so far.</summary>
    public long AbortedUploads => Interlocked.Read(ref abortedUploads);

    private static bool IsUploadPart(HttpRequest request) =>
        HttpMethods.IsPut(request.Method) && request.Query.ContainsKey("uploadId");

    /// <summary>Serves the request when it is one of the multipart operations on an object; false otherwise.</summary>
    private async Task<bool> TryRouteMultipartAsync(
        HttpContext context, string bucketName, ConcurrentDictionary<string, S3Object> bucket, string key, byte[] body)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Query.ContainsKey("uploads"))
        {
            await CreateMultipartUploadAsync(context, bucketName, key);
            return true;
        }

        if (!request.Query.TryGetValue("uploadId", out var ids)) return false;
        var uploadId = ids.ToString();
        switch (request.Method)
        {
            case "PUT":
                UploadPart(context, bucketName, key, uploadId, body);
                return true;
            case "POST":
                await CompleteMultipartUploadAsync(context, bucketName, bucket, key, uploadId, body);
                return true;
            case "DELETE":
                if (!uploads.TryGetValue(uploadId, out var upload) || !upload.Names(bucketName, key) || !uploads.TryRemove(uploadId, out _))
                {
                    throw NoSuchUpload();
                }

                Interlocked.Increment(ref abortedUploads);
                context.Response.StatusCode = 204;
                return true;
            default:
                throw new S3Error(501, "NotImplemented", "ListParts is not supported by the in-process server");
        }
    }

    private async Task CreateMultipartUploadAsync(HttpContext context, string bucketName, string key)
    {
        // S3's upload ids are long opaque strings; random bytes in URL-safe base64 are as opaque.
        var uploadId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(36)).Replace('+', '-').Replace('/', '_');
        uploads[uploadId] = new MultipartUpload(bucketName, key);
        await WriteXmlAsync(context, new XElement(S3Namespace + "InitiateMultipartUploadResult",
            new XElement(S3Namespace + "Bucket", bucketName),
            new XElement(S3Namespace + "Key", key),
            new XElement(S3Namespace + "UploadId", uploadId)));
    }

    private void UploadPart(HttpContext context, string bucketName, string key, string uploadId, byte[] body)
    {
        if (!int.TryParse(context.Request.Query["partNumber"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ||
            number is < 1 or > MaxPartNumber)
        {
            throw new S3Error(400, "InvalidArgument", $"Part number must be an integer between 1 and {MaxPartNumber}, inclusive");
        }

        if (!uploads.TryGetValue(uploadId, out var upload) || !upload.Names(bucketName, key)) throw NoSuchUpload();
        var part = new UploadedPart(body);
        upload.Parts[number] = part;
        context.Response.Headers.ETag = part.ETag;
        context.Response.StatusCode = 200;
    }

    private async Task CompleteMultipartUploadAsync(
        HttpContext context, string bucketName, ConcurrentDictionary<string, S3Object> bucket, string key, string uploadId, byte[] body)
    {
        if (!uploads.TryGetValue(uploadId, out var upload) || !upload.Names(bucketName, key)) throw NoSuchUpload();
        var listed = ParsePartList(body);
        for (var i = 1; i < listed.Count; i++)
        {
            if (listed[i].Number <= listed[i - 1].Number)
            {
                throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
            }
        }

        var parts = new List<UploadedPart>(listed.Count);
        foreach (var (number, listedETag) in listed)
        {
            if (!upload.Parts.TryGetValue(number, out var part) || part.ETag.Trim('"') != listedETag.Trim().Trim('"'))
            {
                throw new S3Error(400, "InvalidPart",
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.");
            }

            parts.Add(part);
        }

        if (parts.SkipLast(1).Any(p => p.Content.Length < options.MinimumPartSize))
        {
            throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
        }

        // Removing the upload first makes a concurrent abort or second completion find no upload.
        if (!uploads.TryRemove(uploadId, out _)) throw NoSuchUpload();
        var content = new byte[parts.Sum(p => (long)p.Content.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.Content.CopyTo(content, offset);
            offset += part.Content.Length;
        }

        var etag = MultipartETag(parts);
        bucket[key] = new S3Object(content, options.Time.GetUtcNow(), etag);
        await WriteXmlAsync(context, new XElement(S3Namespace + "CompleteMultipartUploadResult",
            new XElement(S3Namespace + "Location", new Uri(BaseUri, $"{bucketName}/{key}").ToString()),
            new XElement(S3Namespace + "Bucket", bucketName),
            new XElement(S3Namespace + "Key", key),
            new XElement(S3Namespace + "ETag", etag)));
    }

    /// <summary>The <c>(PartNumber, ETag)</c> pairs of a <c>CompleteMultipartUpload</c> body, with or without S3's namespace.</summary>
    private static List<(int Number, string ETag)> ParsePartList(byte[] body)
    {
        var malformed = new S3Error(400, "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema");
        XElement? root;
        try
        {
            using var stream = new MemoryStream(body);
            root = XDocument.Load(stream).Root;
        }
        catch (XmlException)
        {
            throw malformed;
        }

        if (root?.Name.LocalName != "CompleteMultipartUpload") throw malformed;
        var parts = new List<(int, string)>();
        foreach (var part in root.Elements().Where(e => e.Name.LocalName == "Part"))
        {
            var number = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
            var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
            if (etag is null || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) throw malformed;
            parts.Add((parsed, etag));
        }

        return parts.Count > 0 ? parts : throw malformed;
    }

    /// <summary>S3's ETag of a multipart object: the MD5 of the concatenated binary MD5s of its parts, a dash and the part count.</summary>
    private static string MultipartETag(List<UploadedPart> parts)
    {
        var digests = parts.SelectMany(p => Convert.FromHexString(p.ETag.Trim('"'))).ToArray();
#pragma warning disable CA5351 // S3's ETag algorithm: an identifier, not a security measure.
        return $"\"{Convert.ToHexStringLower(MD5.HashData(digests))}-{parts.Count}\"";
#pragma warning restore CA5351
    }

    private static S3Error NoSuchUpload() =>
        new(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    private static async Task WriteXmlAsync(HttpContext context, XElement result)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + result.ToString(SaveOptions.DisableFormatting), context.RequestAborted);
    }

    private sealed class MultipartUpload(string bucket, string key)
    {
        public string Bucket { get; } = bucket;

        public string Key { get; } = key;

        public ConcurrentDictionary<int, UploadedPart> Parts { get; } = new();

        /// <summary>An upload id is only valid with the bucket and key it was started for.</summary>
        public bool Names(string bucketName, string objectKey) => Bucket == bucketName && Key == objectKey;
    }

    private sealed class UploadedPart(byte[] content)
    {
        public byte[] Content { get; } = content;

        // A part's ETag is the MD5 of its bytes, as S3's (without SSE-KMS).
#pragma warning disable CA5351
        public string ETag { get; } = $"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"";
#pragma warning restore CA5351
    }
}
