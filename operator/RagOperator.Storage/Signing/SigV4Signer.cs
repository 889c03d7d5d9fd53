using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RagOperator.Storage.Signing;

/// <summary>Access key, secret and optional session token. <see cref="ToString"/> never shows the secret.</summary>
public sealed class SigV4Credentials(string accessKeyId, string secretAccessKey, string? sessionToken = null)
{
    public string AccessKeyId { get; } = accessKeyId;

    public string SecretAccessKey { get; } = secretAccessKey;

    public string? SessionToken { get; } = sessionToken;

    public override string ToString() => $"SigV4Credentials {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = *** }}";
}

/// <summary>
/// What a request is signed over: the method, the path as decoded segments (encoded here once, as S3 expects),
/// the decoded query parameters, the headers to sign (the <c>SignedHeaders</c> list is exactly these), and the hex
/// SHA-256 of the payload (or <see cref="SigV4Signer.UnsignedPayload"/>).
/// </summary>
public sealed record SigV4Request(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadHash);

/// <summary>The parts of an <c>Authorization: AWS4-HMAC-SHA256 ...</c> header.</summary>
public sealed record SigV4Authorization(string AccessKeyId, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature);

/// <summary>
/// AWS Signature Version 4 (header form), as pure functions: canonical request, string to sign, signing key and
/// signature, following the published algorithm (docs.aws.amazon.com, "Create a signed AWS API request"). The S3
/// client signs with it and the in-process S3 server verifies with it; tests pin it to AWS's published examples.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// The canonical request: method, encoded path, sorted encoded query, canonical headers (lower-case names, trimmed
    /// values with inner runs of spaces collapsed, sorted by name, repeated names joined by commas), signed header
    /// names, payload hash — one per line.
    /// </summary>
    public static string CanonicalRequest(SigV4Request request)
    {
        var headers = CanonicalHeaders(request.Headers);
        var builder = new StringBuilder();
        builder.Append(request.Method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalPath(request.Path)).Append('\n');
        builder.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var (name, value) in headers) builder.Append(name).Append(':').Append(value).Append('\n');
        builder.Append('\n');
        builder.Append(string.Join(';', headers.Select(h => h.Key))).Append('\n');
        builder.Append(request.PayloadHash);
        return builder.ToString();
    }

    public static string SignedHeaders(SigV4Request request) => string.Join(';', CanonicalHeaders(request.Headers).Select(h => h.Key));

    public static string Scope(DateTimeOffset time, string region, string service) =>
        $"{time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{region}/{service}/aws4_request";

    public static string StringToSign(string canonicalRequest, DateTimeOffset time, string region, string service) =>
        $"{Algorithm}\n{FormatTime(time)}\n{Scope(time, region, service)}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    /// <summary>HMAC chain: <c>"AWS4"+secret</c> → date → region → service → <c>aws4_request</c>.</summary>
    public static byte[] SigningKey(string secretAccessKey, DateTimeOffset time, string region, string service)
    {
        var date = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)));
        var regional = HMACSHA256.HashData(date, Encoding.UTF8.GetBytes(region));
        var serviced = HMACSHA256.HashData(regional, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(serviced, "aws4_request"u8);
    }

    public static string Signature(SigV4Request request, string secretAccessKey, DateTimeOffset time, string region, string service) =>
        Hex(HMACSHA256.HashData(
            SigningKey(secretAccessKey, time, region, service),
            Encoding.UTF8.GetBytes(StringToSign(CanonicalRequest(request), time, region, service))));

    /// <summary>The <c>Authorization</c> header value for <paramref name="request"/>.</summary>
    public static string Authorization(SigV4Request request, SigV4Credentials credentials, DateTimeOffset time, string region, string service) =>
        $"{Algorithm} Credential={credentials.AccessKeyId}/{Scope(time, region, service)}, SignedHeaders={SignedHeaders(request)}, " +
        $"Signature={Signature(request, credentials.SecretAccessKey, time, region, service)}";

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static bool TryParseTime(string? value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>Parses an <c>Authorization</c> header; null when it is not a well-formed SigV4 header.</summary>
    public static SigV4Authorization? ParseAuthorization(string? header)
    {
        if (header is null || !header.StartsWith(Algorithm + " ", StringComparison.Ordinal)) return null;
        var fields = header[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signed) ||
            !fields.TryGetValue("Signature", out var signature)) return null;
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request") return null;
        return new SigV4Authorization(scope[0], scope[1], scope[2], scope[3], signed.Split(';'), signature);
    }

    /// <summary>
    /// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (<c>A-Z a-z 0-9 - . _ ~</c>) stay, everything
    /// else is UTF-8 encoded as upper-case <c>%XX</c>; <c>/</c> stays when <paramref name="encodeSlash"/> is false.
    /// </summary>
    public static string UriEncode(string value, bool encodeSlash)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || (c == '/' && !encodeSlash)) builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string CanonicalPath(string path) => path.Length == 0 ? "/" : UriEncode(path, encodeSlash: false);

    private static string CanonicalQuery(IReadOnlyList<KeyValuePair<string, string>> query) =>
        string.Join('&', query
            .Select(p => (Key: UriEncode(p.Key, encodeSlash: true), Value: UriEncode(p.Value, encodeSlash: true)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

    private static List<KeyValuePair<string, string>> CanonicalHeaders(IReadOnlyList<KeyValuePair<string, string>> headers) =>
        headers
            .GroupBy(h => h.Key.Trim().ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, string.Join(',', g.Select(h => CollapseSpaces(h.Value)))))
            .ToList();

    private static string CollapseSpaces(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c == ' ')
            {
                if (!space) builder.Append(c);
                space = true;
            }
            else
            {
                builder.Append(c);
                space = false;
            }
        }

        return builder.ToString();
    }
}
