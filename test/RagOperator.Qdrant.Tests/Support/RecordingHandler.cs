using System.Collections.Concurrent;
using System.Net;

namespace RagOperator.Qdrant.Tests.Support;

/// <summary>One HTTP exchange as the client saw it: the request it sent and the response it got.</summary>
public sealed record HttpExchange(
    string Method, string Path, string Query, string? RequestContentType, byte[]? RequestBody, HttpStatusCode? Status,
    string? ResponseContentType, byte[]? ResponseBody);

/// <summary>Records every request the client sends (and the response), for contract checks and attempt counting.</summary>
public sealed class RecordingHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<HttpExchange> _exchanges;

    public RecordingHandler()
        : base(new SocketsHttpHandler())
    {
        _exchanges = new();
    }

    /// <summary>A recorder around <paramref name="inner"/> (a gRPC channel's handler) that writes into <paramref name="log"/>'s record.</summary>
    public RecordingHandler(HttpMessageHandler inner, RecordingHandler log)
        : base(inner)
    {
        _exchanges = log._exchanges;
    }

    public IReadOnlyList<HttpExchange> Exchanges => _exchanges.ToArray();

    public int Count(string method, string pathSuffix) =>
        _exchanges.Count(exchange => exchange.Method == method && exchange.Path.EndsWith(pathSuffix, StringComparison.Ordinal));

    public void Clear() => _exchanges.Clear();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content?.Headers.ContentType?.MediaType == "application/grpc")
        {
            // gRPC bodies stream and its status travels in trailers: count the call, leave the exchange untouched.
            _exchanges.Enqueue(new HttpExchange(request.Method.Method, request.RequestUri!.AbsolutePath, "", "application/grpc", null, null, null, null));
            return await base.SendAsync(request, cancellationToken);
        }

        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var contentType = request.Content?.Headers.ContentType?.MediaType;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch
        {
            _exchanges.Enqueue(new HttpExchange(
                request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query, contentType, body, null, null, null));
            throw;
        }

        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var replay = new ByteArrayContent(responseBody);
        foreach (var header in response.Content.Headers)
        {
            replay.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = replay;
        _exchanges.Enqueue(new HttpExchange(
            request.Method.Method, request.RequestUri!.AbsolutePath, request.RequestUri.Query, contentType, body, response.StatusCode,
            response.Content.Headers.ContentType?.MediaType, responseBody));
        return response;
    }
}
