using System.Net;
using System.Text;

namespace RagOperator.Kubernetes.Tests.Support;

/// <summary>Records requests and answers them from a script, for wire-level client tests.</summary>
public sealed class FakeHttpHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, HttpResponseMessage>> script = new();
    private readonly Lock gate = new();

    public List<RecordedRequest> Requests { get; } = [];

    public FakeHttpHandler Respond(HttpStatusCode code, string body, Action<HttpResponseMessage>? configure = null)
    {
        script.Enqueue(_ =>
        {
            var response = new HttpResponseMessage(code) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            configure?.Invoke(response);
            return response;
        });
        return this;
    }

    public FakeHttpHandler Throw(Exception exception)
    {
        script.Enqueue(_ => throw exception);
        return this;
    }

    public FakeHttpHandler Respond(Func<HttpRequestMessage, HttpResponseMessage> responder)
    {
        script.Enqueue(responder);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Func<HttpRequestMessage, HttpResponseMessage> next;
        lock (gate)
        {
            Requests.Add(new RecordedRequest(request.Method, request.RequestUri!, body, request.Content?.Headers.ContentType?.MediaType,
                request.Headers.Authorization?.ToString()));
            if (script.Count == 0) throw new InvalidOperationException($"unexpected request {request.Method} {request.RequestUri}");
            next = script.Dequeue();
        }
        return next(request);
    }

    public static string StatusJson(int code, string reason, string message, string? causes = null) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}{{(causes is null ? "" : $",\"details\":{{\"causes\":{causes}}}")}}}""";
}

public sealed record RecordedRequest(HttpMethod Method, Uri Uri, string? Body, string? ContentType, string? Authorization);
