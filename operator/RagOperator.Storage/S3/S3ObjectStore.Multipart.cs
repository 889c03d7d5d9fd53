using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Polly;
using Polly.Retry;
using RagOperator.Storage.Signing;

namespace RagOperator.Storage.S3;

/// <summary>
/// The multipart upload of objects larger than <see cref="S3Options.PartSize"/> (S3 takes at most 5 GiB in one
/// <c>PutObject</c>, and Qdrant shard snapshots of production collections are larger).
/// </summary>
public sealed partial class S3ObjectStore
{
    private readonly ResiliencePipeline retry;

    /// <summary>
    /// Create, then the parts in order, read from <paramref name="content"/> one buffer at a time (bounded memory), each
    /// signed with its own payload SHA-256 so the service checks every byte it receives; the whole-object SHA-256 and
    /// length are computed over the same bytes and must match what the caller declared before the upload is completed,
    /// since no single request carries the whole object for the service to check. Any failure or cancellation aborts the
    /// upload: the object never appears partly written and no parts are left billed.
    /// </summary>
    private async Task PutMultipartAsync(string key, Stream content, long length, string sha256Hex, CancellationToken cancellationToken)
    {
        long partSize;
        try
        {
            partSize = S3PartSizing.PartSize(length, options.PartSize, options.MinimumPartSize);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ObjectStoreException($"cannot upload {key} ({length} bytes) to {Location}: {e.Message}", isTransient: false, e);
        }

        var path = ObjectPath(key);
        var uploadId = await CreateMultipartUploadAsync(path, key, cancellationToken);
        try
        {
            var parts = new List<CompletedPart>(S3PartSizing.PartCount(length, partSize));
            var buffer = new byte[partSize];
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                // ReadAtLeast fills the buffer unless the stream ends first, so every part but the last is full-size.
                var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (read == 0) break;
                whole.AppendData(buffer, 0, read);
                total += read;
                if (total > length) throw Mismatch(key, length, sha256Hex, total, actual: null);
                var number = parts.Count + 1;
                parts.Add(new CompletedPart(number, await UploadPartAsync(path, key, uploadId, number, buffer.AsMemory(0, read), cancellationToken)));
                if (read < buffer.Length) break;
            }

            var actual = Convert.ToHexStringLower(whole.GetHashAndReset());
            if (total != length || !string.Equals(actual, sha256Hex, StringComparison.OrdinalIgnoreCase))
            {
                throw Mismatch(key, length, sha256Hex, total, actual);
            }

            await CompleteMultipartUploadAsync(path, key, uploadId, parts, cancellationToken);
        }
        catch (Exception failure)
        {
            var abortFailure = await TryAbortMultipartUploadAsync(path, key, uploadId);
            if (abortFailure is null || failure is OperationCanceledException) throw;
            throw new ObjectStoreException(
                $"{failure.Message}; AbortMultipartUpload {uploadId} failed as well ({abortFailure.Message}), so its parts stay stored " +
                "until the bucket's lifecycle rule for incomplete multipart uploads removes them",
                failure is ObjectStoreException { IsTransient: true }, failure);
        }
    }

    private static ObjectStoreException Mismatch(string key, long length, string sha256Hex, long total, string? actual) =>
        new(actual is null
            ? $"content of {key} does not match: expected {length} bytes with SHA-256 {sha256Hex}, got more than {length} bytes"
            : $"content of {key} does not match: expected {length} bytes with SHA-256 {sha256Hex}, got {total} bytes with {actual}");

    /// <summary><c>POST /{key}?uploads</c>: the upload id from <c>InitiateMultipartUploadResult</c>.</summary>
    private Task<string> CreateMultipartUploadAsync(string path, string key, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(async token =>
        {
            using var response = await SendAsync(HttpMethod.Post, path, [new("uploads", "")], null, SigV4Signer.EmptyPayloadHash,
                HttpCompletionOption.ResponseContentRead, timeout: true, token);
            await EnsureSuccessAsync(response, "CreateMultipartUpload", key, token);
            var root = await ParseResultAsync(response, "CreateMultipartUpload", key, token);
            var uploadId = (string?)root.Elements().FirstOrDefault(e => e.Name.LocalName == "UploadId");
            return uploadId is { Length: > 0 }
                ? uploadId
                : throw new ObjectStoreException($"CreateMultipartUpload {key} on {Location} answered no UploadId");
        }, cancellationToken).AsTask();

    /// <summary><c>PUT /{key}?partNumber=N&amp;uploadId=…</c>: the part's ETag, which the completion must name.</summary>
    private Task<string> UploadPartAsync(string path, string key, string uploadId, int number, ReadOnlyMemory<byte> part, CancellationToken cancellationToken)
    {
        var payloadHash = SigV4Signer.Hex(SHA256.HashData(part.Span));
        List<KeyValuePair<string, string>> query = [new("partNumber", number.ToString(CultureInfo.InvariantCulture)), new("uploadId", uploadId)];
        return retry.ExecuteAsync(async token =>
        {
            // A new content per attempt: sending a request disposes its content.
            using var body = new ReadOnlyMemoryContent(part);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var response = await SendAsync(HttpMethod.Put, path, query, body, payloadHash, HttpCompletionOption.ResponseContentRead, timeout: false, token);
            await EnsureSuccessAsync(response, $"UploadPart {number} of", key, token);
            return response.Headers.TryGetValues("ETag", out var etags) && etags.FirstOrDefault() is { Length: > 0 } etag
                ? etag
                : throw new ObjectStoreException($"UploadPart {number} of {key} on {Location} answered no ETag");
        }, cancellationToken).AsTask();
    }

    /// <summary><c>POST /{key}?uploadId=…</c> with the part list; the object appears only now.</summary>
    private async Task CompleteMultipartUploadAsync(string path, string key, string uploadId, List<CompletedPart> parts, CancellationToken cancellationToken)
    {
        var document = new XElement(S3Namespace + "CompleteMultipartUpload",
            parts.Select(p => new XElement(S3Namespace + "Part",
                new XElement(S3Namespace + "PartNumber", p.Number),
                new XElement(S3Namespace + "ETag", p.ETag))));
        var bytes = Encoding.UTF8.GetBytes(document.ToString(SaveOptions.DisableFormatting));
        var payloadHash = SigV4Signer.Hex(SHA256.HashData(bytes));
        await retry.ExecuteAsync(async token =>
        {
            using var body = new ByteArrayContent(bytes);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
            using var response = await SendAsync(HttpMethod.Post, path, [new("uploadId", uploadId)], body, payloadHash,
                HttpCompletionOption.ResponseContentRead, timeout: false, token);
            await EnsureSuccessAsync(response, "CompleteMultipartUpload", key, token);
            await ParseResultAsync(response, "CompleteMultipartUpload", key, token);
        }, cancellationToken);
    }

    /// <summary>
    /// <c>DELETE /{key}?uploadId=…</c>, even when the caller cancelled (an abandoned upload keeps its parts billed);
    /// an upload that is already gone counts as aborted. Returns the failure, if any, instead of throwing it.
    /// </summary>
    private async Task<Exception?> TryAbortMultipartUploadAsync(string path, string key, string uploadId)
    {
        try
        {
            await retry.ExecuteAsync(async token =>
            {
                using var response = await SendAsync(HttpMethod.Delete, path, [new("uploadId", uploadId)], null, SigV4Signer.EmptyPayloadHash,
                    HttpCompletionOption.ResponseContentRead, timeout: true, token);
                if (response.StatusCode == HttpStatusCode.NotFound) return;
                await EnsureSuccessAsync(response, "AbortMultipartUpload", key, token);
            }, CancellationToken.None);
            return null;
        }
        catch (ObjectStoreException e)
        {
            return e;
        }
    }

    /// <summary>
    /// The root of a success body. S3 may answer a completion 200 and then report a failure in the body (it sends the
    /// status before the parts are assembled), so an <c>Error</c> root is a failure too.
    /// </summary>
    private async Task<XElement> ParseResultAsync(HttpResponseMessage response, string operation, string key, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var (code, message) = ParseError(text);
        if (code.Length > 0)
        {
            throw new ObjectStoreException($"{operation} {key} on {Location} failed: HTTP {(int)response.StatusCode} {code}{(message is null ? "" : ": " + message)}",
                isTransient: code is "InternalError" or "SlowDown" or "ServiceUnavailable");
        }

        try
        {
            return XDocument.Parse(text).Root ?? throw new ObjectStoreException($"{operation} {key} on {Location} answered an empty document");
        }
        catch (System.Xml.XmlException e)
        {
            throw new ObjectStoreException($"{operation} {key} on {Location} answered a body that is not XML: {e.Message}", isTransient: false, e);
        }
    }

    private static ResiliencePipeline BuildRetryPipeline(S3Options options)
    {
        var builder = new ResiliencePipelineBuilder();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<ObjectStoreException>(e => e.IsTransient),
            });
        }

        return builder.Build();
    }

    private sealed record CompletedPart(int Number, string ETag);
}
