using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>How the server writes JSON: compact, without HTML-escaping (Go's encoding/json escapes less than the default .NET encoder).</summary>
internal static class WireJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static string Write(JsonNode? node) => node?.ToJsonString(Options) ?? "null";
}
