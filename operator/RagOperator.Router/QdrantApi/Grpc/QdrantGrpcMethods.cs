using Google.Protobuf;
using Grpc.Core;

namespace RagOperator.Router.QdrantApi.Grpc;

/// <summary>
/// Server-side descriptions of Qdrant's gRPC methods, built from the <c>Qdrant.Client</c> package's own message types
/// and parsers: the package ships client stubs only. (The in-process Qdrant has its own, so that the test peer shares
/// no code with the product it judges.)
/// </summary>
public static class QdrantGrpcMethods
{
    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, Marshaller(new MessageParser<TRequest>(() => new TRequest())),
            Marshaller(new MessageParser<TResponse>(() => new TResponse())));

    private static Marshaller<T> Marshaller<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
}
