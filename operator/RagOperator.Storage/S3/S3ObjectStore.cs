using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using RagOperator.Storage.Signing;

namespace RagOperator.Storage.S3;

/// <summary>
/// <see cref="IObjectStore"/> over the S3 REST API, which AWS S3 and S3-compatible stores (MinIO, Ceph RGW, R2, GCS
/// interoperability) serve: <c>PutObject</c>, <c>GetObject</c>, <c>ListObjectsV2</c> (paged by continuation token),
/// <c>DeleteObject</c> and the multipart upload (<c>CreateMultipartUpload</c>, <c>UploadPart</c>,
/// <c>CompleteMultipartUpload</c>, <c>AbortMultipartUpload</c>), every request signed with SigV4
/// (<see cref="SigV4Signer"/>, header form, signed payload hash).
/// <para>An object up to <see cref="S3Options.PartSize"/> goes in one <c>PutObject</c> that streams its body with the
/// SHA-256 given by the caller, which the store checks. A larger one goes in parts (see
/// <c>S3ObjectStore.Multipart.cs</c>): each part is buffered, signed with its own SHA-256 and retried on transient
/// failures, the whole-object SHA-256 is computed over the stream and compared before completing, and any failure or
/// cancellation aborts the upload so no parts stay billed.</para>
/// <para>Limits: 5 TiB per object (S3's); a single <c>PutObject</c> is not retried here (its body streams once; the
/// reconcile that called retries with backoff); <see cref="ObjectStoreException.IsTransient"/> marks 5xx, 429 and
/// connection failures.</para>
/// </summary>
public sealed partial class S3ObjectStore : IObjectStore
{
    public const string Service = "s3";
    private static readonly XNamespace S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private readonly HttpClient http;
    private readonly S3Options options;

    public S3ObjectStore(HttpClient http, S3Options options)
    {
        this.http = http;
        this.options = options;
        Location = $"s3://{options.Bucket}/{options.Prefix?.Trim('/')}".TrimEnd('/');
        retry = BuildRetryPipeline(options);
    }

    public string Location { get; }

    public async Task PutAsync(string key, Stream content, long length, string sha256Hex, CancellationToken cancellationToken)
    {
        // The threshold never exceeds the largest part, so no single PutObject can run into S3's 5 GiB limit.
        if (S3PartSizing.UsesMultipart(length, Math.Min(options.PartSize, S3PartSizing.MaxPartSize)))
        {
            await PutMultipartAsync(key, content, length, sha256Hex, cancellationToken);
            return;
        }

        using var body = new StreamContent(new NonDisposingStream(content));
        body.Headers.ContentLength = length;
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await SendAsync(HttpMethod.Put, ObjectPath(key), [], body, sha256Hex.ToLowerInvariant(), HttpCompletionOption.ResponseContentRead, timeout: false, cancellationToken);
        await EnsureSuccessAsync(response, "PutObject", key, cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, ObjectPath(key), [], null, SigV4Signer.EmptyPayloadHash, HttpCompletionOption.ResponseHeadersRead, timeout: false, cancellationToken);
        try
        {
            await EnsureSuccessAsync(response, "GetObject", key, cancellationToken);
            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var found = new List<StoredObject>();
        var root = RootPrefix();
        string? continuation = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("list-type", "2"), new("prefix", root + prefix) };
            if (continuation is not null) query.Add(new("continuation-token", continuation));
            using var response = await SendAsync(HttpMethod.Get, BucketPath(), query, null, SigV4Signer.EmptyPayloadHash, HttpCompletionOption.ResponseContentRead, timeout: true, cancellationToken);
            await EnsureSuccessAsync(response, "ListObjectsV2", prefix, cancellationToken);
            var document = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var result = document.Root ?? throw new ObjectStoreException("ListObjectsV2 answered an empty document");
            foreach (var item in result.Elements(S3Namespace + "Contents"))
            {
                var key = (string?)item.Element(S3Namespace + "Key") ?? "";
                if (!key.StartsWith(root, StringComparison.Ordinal)) continue;
                found.Add(new StoredObject(
                    key[root.Length..],
                    long.Parse((string?)item.Element(S3Namespace + "Size") ?? "0", CultureInfo.InvariantCulture),
                    DateTimeOffset.Parse((string?)item.Element(S3Namespace + "LastModified") ?? "1970-01-01T00:00:00Z", CultureInfo.InvariantCulture)));
            }

            continuation = (string?)result.Element(S3Namespace + "IsTruncated") == "true" ? (string?)result.Element(S3Namespace + "NextContinuationToken") : null;
        }
        while (continuation is not null);

        return [.. found.OrderBy(o => o.Key, StringComparer.Ordinal)];
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, ObjectPath(key), [], null, SigV4Signer.EmptyPayloadHash, HttpCompletionOption.ResponseContentRead, timeout: true, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, "DeleteObject", key, cancellationToken);
    }

    private string RootPrefix() => options.Prefix?.Trim('/') is { Length: > 0 } prefix ? prefix + "/" : "";

    private string BucketPath() => options.PathStyle ? "/" + options.Bucket : "/";

    private string ObjectPath(string key) => BucketPath().TrimEnd('/') + "/" + RootPrefix() + ObjectKeys.Check(key);

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, List<KeyValuePair<string, string>> query, HttpContent? content, string payloadHash,
        HttpCompletionOption completion, bool timeout, CancellationToken cancellationToken)
    {
        var baseUri = options.PathStyle
            ? options.Endpoint
            : new UriBuilder(options.Endpoint) { Host = $"{options.Bucket}.{options.Endpoint.Host}" }.Uri;
        var uri = new UriBuilder(baseUri)
        {
            Path = SigV4Signer.UriEncode(path, encodeSlash: false),
            Query = string.Join('&', query.Select(p => $"{SigV4Signer.UriEncode(p.Key, true)}={SigV4Signer.UriEncode(p.Value, true)}")),
        }.Uri;
        var now = options.Time.GetUtcNow();
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", uri.Authority),
            new("x-amz-content-sha256", payloadHash),
            new("x-amz-date", SigV4Signer.FormatTime(now)),
        };
        if (options.Credentials.SessionToken is { } token) headers.Add(new("x-amz-security-token", token));
        var signed = new SigV4Request(method.Method, path, query, headers, payloadHash);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        foreach (var (name, value) in headers.Where(h => h.Key != "host")) request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", SigV4Signer.Authorization(signed, options.Credentials, now, options.Region, Service));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout) deadline.CancelAfter(options.RequestTimeout);
        try
        {
            return await http.SendAsync(request, completion, deadline.Token);
        }
        catch (HttpRequestException e)
        {
            throw new ObjectStoreException($"{Location} is unreachable: {e.Message}", isTransient: true, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreException($"{Location} did not answer within {options.RequestTimeout.TotalSeconds:0.#}s", isTransient: true, e);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, string key, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var (code, message) = ParseError(body);
        var status = (int)response.StatusCode;
        var text = $"{operation} {key} on {Location} failed: HTTP {status} {code}{(message is null ? "" : ": " + message)}";
        if (response.StatusCode == HttpStatusCode.NotFound && code is "NoSuchKey" or "" ) throw new ObjectNotFoundException(text);
        throw new ObjectStoreException(text, isTransient: status >= 500 || status == 429 || code == "SlowDown" || code == "RequestTimeTooSkewed");
    }

    /// <summary>The <c>Code</c> and <c>Message</c> of an S3 XML error body (empty code when the body is not one).</summary>
    internal static (string Code, string? Message) ParseError(string body)
    {
        try
        {
            var root = XDocument.Parse(body).Root;
            return root?.Name.LocalName == "Error" ? ((string?)root.Element("Code") ?? "", (string?)root.Element("Message")) : ("", null);
        }
        catch (System.Xml.XmlException)
        {
            return ("", null);
        }
    }

    /// <summary>An object's body that owns its response.</summary>
    private sealed class ResponseStream(HttpResponseMessage response, Stream body) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => body.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => body.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => body.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                body.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Lets <see cref="StreamContent"/> read the caller's stream without disposing it.</summary>
    private sealed class NonDisposingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
