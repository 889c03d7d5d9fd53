namespace RagOperator.Operator.Naming;

/// <summary>Ports of Qdrant (REST, gRPC, Raft peer-to-peer) and of the retrieval router.</summary>
public static class Ports
{
    public const int QdrantHttp = 6333;
    public const int QdrantGrpc = 6334;
    public const int QdrantP2p = 6335;
    public const int Router = 8080;

    /// <summary>The router's second port: Qdrant's gRPC API, HTTP/2 only (without TLS it cannot share a port with HTTP/1.1).</summary>
    public const int RouterGrpc = 6334;
}
