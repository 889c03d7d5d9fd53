using Google.Protobuf;
using Grpc.Core;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>The gRPC methods this server binds, built from the package's own message types.</summary>
internal static class QdrantGrpcMethods
{
    private static readonly HashSet<string> ReadOnlyMethods = new(StringComparer.Ordinal)
    {
        "/qdrant.Points/Get", "/qdrant.Points/Search", "/qdrant.Points/SearchBatch", "/qdrant.Points/Scroll",
        "/qdrant.Points/Count", "/qdrant.Points/Query", "/qdrant.Points/QueryBatch",
        "/qdrant.Collections/Get", "/qdrant.Collections/List", "/qdrant.Collections/CollectionExists",
        "/qdrant.Collections/CollectionClusterInfo", "/qdrant.Snapshots/List",
        "/qdrant.Qdrant/HealthCheck",
    };

    public static bool IsReadOnly(string method) => ReadOnlyMethods.Contains(method);

    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, Marshaller(new MessageParser<TRequest>(() => new TRequest())),
            Marshaller(new MessageParser<TResponse>(() => new TResponse())));

    private static Marshaller<T> Marshaller<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
}
