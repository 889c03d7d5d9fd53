using System.Text;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The opaque continue token of a paginated list, encoded like the real server's: base64 of
/// <c>{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}</c>. It pins the snapshot version, so every page comes
/// from the same consistent state until that version is compacted (then 410 Gone).
/// </summary>
internal sealed record ContinueToken(long ResourceVersion, string StartKey)
{
    public string Encode()
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = ResourceVersion, ["start"] = StartKey };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(WireJson.Write(json)));
    }

    public static ContinueToken Decode(string token)
    {
        try
        {
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token))) as JsonObject;
            if (json is null || JsonTree.GetString(json["v"]) != "meta.k8s.io/v1" || JsonTree.GetLong(json["rv"]) is not { } rv || JsonTree.GetString(json["start"]) is not { } start)
            {
                throw Invalid();
            }

            return new ContinueToken(rv, start);
        }
        catch (FormatException)
        {
            throw Invalid();
        }
        catch (System.Text.Json.JsonException)
        {
            throw Invalid();
        }
    }

    private static ApiStatusException Invalid() => ApiErrors.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}
