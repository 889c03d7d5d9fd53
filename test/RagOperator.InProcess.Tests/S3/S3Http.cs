using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using RagOperator.InProcess.S3;
using RagOperator.Storage.Signing;

namespace RagOperator.InProcess.Tests.S3;

/// <summary>One S3 answer: status, ETag header and the XML body (null when there is none).</summary>
internal sealed record S3Answer(HttpStatusCode Status, string? ETag, XElement? Body, byte[] Bytes)
{
    private static readonly XNamespace S3 = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>The <c>Code</c> of an S3 error body.</summary>
    public string? Code => Body?.Name.LocalName == "Error" ? (string?)Body.Element("Code") : null;

    /// <summary>A child of a result body, in S3's namespace.</summary>
    public string? Value(string name) => (string?)Body?.Element(S3 + name);
}

/// <summary>Raw, SigV4-signed S3 requests to an <see cref="InProcessS3Server"/>, so tests can send what a client would not.</summary>
internal sealed class S3Http(InProcessS3Server server)
{
    private static readonly HttpClient Http = new();

    public async Task<S3Answer> SendAsync(
        HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string>> query, byte[]? body = null,
        string? secret = null, string? payloadHash = null)
    {
        var now = DateTimeOffset.UtcNow;
        var hash = payloadHash ?? SigV4Signer.Hex(SHA256.HashData(body ?? []));
        var uri = new UriBuilder(server.BaseUri)
        {
            Path = SigV4Signer.UriEncode(path, encodeSlash: false),
            Query = string.Join('&', query.Select(p => $"{SigV4Signer.UriEncode(p.Key, true)}={SigV4Signer.UriEncode(p.Value, true)}")),
        }.Uri;
        List<KeyValuePair<string, string>> headers = [new("host", uri.Authority), new("x-amz-content-sha256", hash), new("x-amz-date", SigV4Signer.FormatTime(now))];
        using var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : new ByteArrayContent(body) };
        foreach (var (name, value) in headers.Where(h => h.Key != "host")) request.Headers.TryAddWithoutValidation(name, value);
        var credentials = new SigV4Credentials(server.AccessKeyId, secret ?? server.SecretAccessKey);
        request.Headers.TryAddWithoutValidation("Authorization",
            SigV4Signer.Authorization(new SigV4Request(method.Method, path, query, headers, hash), credentials, now, server.Region, "s3"));
        using var response = await Http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        XElement? xml = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/xml" && bytes.Length > 0)
        {
            xml = XDocument.Parse(System.Text.Encoding.UTF8.GetString(bytes)).Root;
        }

        return new S3Answer(response.StatusCode, response.Headers.TryGetValues("ETag", out var etags) ? etags.First() : null, xml, bytes);
    }
}
