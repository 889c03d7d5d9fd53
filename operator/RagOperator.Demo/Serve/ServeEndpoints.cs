using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Demo.Serve;

/// <summary>
/// What <c>rag-demo serve</c> tells clients: where one router of the collection serves its REST API (the router's
/// <c>/v1</c> API and Qdrant's REST API) and Qdrant's gRPC API, the key both require, and, when the router serves TLS,
/// the PEM file of the collection's CA to verify it against. Addresses carry no trailing slash, as Qdrant's clients
/// expect a bare <c>scheme://host:port</c>.
/// </summary>
public sealed record ServeEndpoints
{
    [JsonPropertyName("collection")]
    public required string Collection { get; init; }

    [JsonPropertyName("rest")]
    public required string Rest { get; init; }

    [JsonPropertyName("grpc")]
    public required string Grpc { get; init; }

    /// <summary>Sent as the <c>api-key</c> header (gRPC metadata); null when the collection's router requires none.</summary>
    [JsonPropertyName("apiKey")]
    public string? ApiKey { get; init; }

    /// <summary>The collection's CA (PEM); absent when the router serves clear text.</summary>
    [JsonPropertyName("caFile")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CaFile { get; init; }

    /// <summary>
    /// The DNS name the router's certificate carries (its Service's). The addresses are loopback IPs, which the
    /// certificate does not name: clients that check names, such as Python's gRPC, verify this name instead
    /// (<c>grpc.ssl_target_name_override</c>). Absent without TLS.
    /// </summary>
    [JsonPropertyName("tlsServerName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TlsServerName { get; init; }

    /// <summary>The collection's vector dimension (spec.dimension): what a client's embedding model must produce.</summary>
    [JsonPropertyName("dimension")]
    public int Dimension { get; init; }

    /// <summary>spec.distance, as Qdrant names it.</summary>
    [JsonPropertyName("distance")]
    public required string Distance { get; init; }

    /// <summary><c>scheme://host:port</c> of <paramref name="address"/>.</summary>
    public static string Origin(Uri address) => address.GetLeftPart(UriPartial.Authority);

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static ServeEndpoints Parse(string json) =>
        JsonSerializer.Deserialize<ServeEndpoints>(json, Options) ?? throw new FormatException("the endpoints file holds null");

    /// <summary>
    /// Writes <paramref name="contents"/> to <paramref name="path"/> through a temporary file in the same directory and a
    /// rename, which replaces the file in one step: a reader sees the old file or the whole new one, never part of it.
    /// </summary>
    public static void WriteAtomically(string path, string contents)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = string.Create(CultureInfo.InvariantCulture, $"{full}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temporary, contents);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
}
