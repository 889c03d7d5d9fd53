namespace RagOperator.InProcess.Qdrant;

/// <summary>Settings of an <see cref="InProcessQdrantServer"/>.</summary>
public sealed class InProcessQdrantOptions
{
    /// <summary>When set, every request but <c>/</c>, <c>/healthz</c>, <c>/readyz</c> and <c>/livez</c> needs it.</summary>
    public string? ApiKey { get; init; }

    /// <summary>A key that may only read (Qdrant's <c>read_only_api_key</c>); writes with it get 403.</summary>
    public string? ReadOnlyApiKey { get; init; }

    /// <summary>Seed of the random source behind <see cref="QdrantFaults.ErrorRate"/>, so fault runs repeat.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Version reported by <c>GET /</c>.</summary>
    public string Version { get; init; } = "1.19.0";

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Port of the gRPC face (HTTP/2 only, as Qdrant's 6334) on 127.0.0.1; 0 picks a free one.</summary>
    public int GrpcPort { get; init; }

    /// <summary>
    /// When set, the server speaks HTTPS with this certificate (and its private key), as a shard with
    /// <c>service.enable_tls</c> does; the base URI is then https.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; init; }

    /// <summary>Largest accepted request body (Qdrant's default <c>max_request_size_mb</c> is 32).</summary>
    public long MaxRequestBodyBytes { get; init; } = 32L * 1024 * 1024;

    public override string ToString() =>
        $"InProcessQdrantOptions {{ Port = {Port}, GrpcPort = {GrpcPort}, Seed = {Seed}, ApiKey = {(ApiKey is null ? "none" : "***")}, Tls = {Certificate is not null} }}";
}
