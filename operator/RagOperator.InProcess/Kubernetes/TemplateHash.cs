using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>A short stable hash of a pod template (the role of controller-revision-hash and pod-template-hash).</summary>
internal static class TemplateHash
{
    public static string Of(JsonNode? template)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(template)));
        return Convert.ToHexStringLower(bytes)[..10];
    }

    /// <summary>JSON with object keys sorted, so equal templates hash equally whatever their key order.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => "{" + string.Join(",", obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => WireJson.Write(JsonValue.Create(p.Key)) + ":" + Canonical(p.Value))) + "}",
        JsonArray array => "[" + string.Join(",", array.Select(Canonical)) + "]",
        _ => WireJson.Write(node),
    };
}
