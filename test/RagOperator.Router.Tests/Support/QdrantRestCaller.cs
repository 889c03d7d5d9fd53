using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.TestSupport.OpenApi;

namespace RagOperator.Router.Tests.Support;

/// <summary>A Qdrant REST answer: status, the parsed body, and its <c>result</c> or <c>status.error</c>.</summary>
internal sealed record QdrantRestReply(HttpStatusCode Status, JsonNode? Body, string Text)
{
    public JsonNode? Result => Body?["result"];

    public string? Error => (Body?["status"] as JsonObject)?["error"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Text}";
}

/// <summary>
/// Calls a Qdrant REST face (the router's, or an in-process Qdrant's) over HTTP and checks every exchange against
/// Qdrant 1.19's OpenAPI document: the request body against the operation's request schema, and the reply against its
/// response schema for the status, strictly (no undeclared properties). The legacy <c>/points/search</c> calls, which
/// Qdrant 1.19 serves but no longer documents, have no request schema there; their replies are checked against the
/// envelope of <c>ScoredPoint</c> lists the document defines for the query API.
/// </summary>
internal sealed class QdrantRestCaller(Uri baseUri, string? apiKey = null) : IAsyncDisposable
{
    private static readonly OpenApiSpec Spec = OpenApiSpec.Instance;
    private static readonly OpenApiSchemaValidator Validator = new(OpenApiSpec.Instance);
    private static readonly JsonElement LegacySearch = Envelope("""{"type": "array", "items": {"$ref": "#/components/schemas/ScoredPoint"}}""");
    private static readonly JsonElement LegacySearchBatch =
        Envelope("""{"type": "array", "items": {"type": "array", "items": {"$ref": "#/components/schemas/ScoredPoint"}}}""");

    private readonly HttpClient http = new() { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Sends the call; <paramref name="conforming"/> false for a request body that is deliberately not Qdrant's.</summary>
    public async Task<QdrantRestReply> SendAsync(
        HttpMethod method, string path, string? body = null, bool conforming = true, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        if (apiKey is not null)
        {
            request.Headers.Add("api-key", apiKey);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0 ? JsonNode.Parse(text) : null;
        var reply = new QdrantRestReply(response.StatusCode, json, text);
        Violations(method, path, conforming ? body : null, reply).Should().BeEmpty($"{method} {path} follows Qdrant's OpenAPI document ({reply})");
        return reply;
    }

    public Task<QdrantRestReply> PostAsync(string path, string body, bool conforming = true) => SendAsync(HttpMethod.Post, path, body, conforming);

    public Task<QdrantRestReply> PutAsync(string path, string body, bool conforming = true) => SendAsync(HttpMethod.Put, path, body, conforming);

    public Task<QdrantRestReply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>The <c>result</c> of a call that must succeed.</summary>
    public async Task<JsonNode> ResultAsync(HttpMethod method, string path, string? body = null)
    {
        var reply = await SendAsync(method, path, body);
        reply.Status.Should().Be(HttpStatusCode.OK, $"{method} {path} succeeds ({reply})");
        return reply.Result!;
    }

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }

    private static List<string> Violations(HttpMethod method, string path, string? body, QdrantRestReply reply)
    {
        var errors = new List<string>();
        var route = path.Split('?')[0];
        var template = Spec.MatchPath(method.Method, "/" + route.TrimStart('/'));
        if (body is not null && template is not null && Spec.RequestSchema(template, method.Method) is { } requestSchema)
        {
            using var request = JsonDocument.Parse(body);
            errors.AddRange(Validator.Validate(request.RootElement, requestSchema).Select(error => $"request {error}"));
        }

        if (reply.Body is null)
        {
            errors.Add($"the reply is not JSON: {reply.Text}");
            return errors;
        }

        var status = (int)reply.Status;
        var responseSchema = template is not null
            ? Spec.ResponseSchema(template, method.Method, status)
            : status != 200 ? Spec.Schema("ErrorResponse")
            : route.EndsWith("/points/search", StringComparison.Ordinal) ? LegacySearch
            : route.EndsWith("/points/search/batch", StringComparison.Ordinal) ? LegacySearchBatch
            : null;
        if (responseSchema is null)
        {
            errors.Add($"Qdrant's OpenAPI document has no operation {method} {route} with a JSON reply for {status}");
            return errors;
        }

        using var response = JsonDocument.Parse(reply.Text);
        errors.AddRange(Validator.Validate(response.RootElement, responseSchema.Value).Select(error => $"response {error}"));
        return errors;
    }

    private static JsonElement Envelope(string result) => JsonDocument.Parse($$$"""
        {"type": "object", "required": ["result", "status", "time"],
         "properties": {"result": {{{result}}}, "status": {"type": "string"}, "time": {"type": "number"} } }
        """).RootElement;
}
