using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace RagOperator.Router.Api;

/// <summary>
/// The router's authentication: one shared key (from a Secret, via ROUTER_API_KEY), sent as <c>api-key: &lt;key&gt;</c>
/// (Qdrant's header, so Qdrant clients work unchanged) or <c>Authorization: Bearer &lt;key&gt;</c>. Compared in
/// constant time.
/// </summary>
public static class ApiKeyCheck
{
    public const string Header = "api-key";

    /// <summary>Null when the request carries the key; otherwise the 401 to answer.</summary>
    public static RouterError? Check(HttpRequest request, string expected)
    {
        var presented = Presented(request);
        if (presented is null)
        {
            return Unauthorized("missing API key: send it as 'api-key: <key>' or 'Authorization: Bearer <key>'");
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected))
            ? null
            : Unauthorized("invalid API key");
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var key) && !string.IsNullOrEmpty(key.ToString()))
        {
            return key.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && authorization.Length > bearer.Length
            ? authorization[bearer.Length..].Trim()
            : null;
    }

    private static RouterError Unauthorized(string message) => new(401, ErrorKinds.Unauthorized, message);
}
