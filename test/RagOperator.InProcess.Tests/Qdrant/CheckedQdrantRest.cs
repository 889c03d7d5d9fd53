using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.TestSupport.OpenApi;

namespace RagOperator.InProcess.Tests.Qdrant;

/// <summary>A REST answer: status, parsed body, and its <c>result</c> or <c>status.error</c>.</summary>
internal sealed record CheckedReply(HttpStatusCode Status, JsonNode? Body, string Text)
{
    public JsonNode? Result => Body?["result"];

    public string? Error => (Body?["status"] as JsonObject)?["error"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Text}";
}

/// <summary>
/// Calls the in-process Qdrant's REST face and checks every exchange against Qdrant 1.19's OpenAPI document, strictly
/// (no undeclared properties): the request body against the operation's request schema and the reply against its
/// response schema for the status. A request that deliberately breaks the schema is sent with <c>conforming</c> false.
/// </summary>
internal sealed class CheckedQdrantRest(Uri baseUri) : IDisposable
{
    private static readonly OpenApiSpec Spec = OpenApiSpec.Instance;
    private static readonly OpenApiSchemaValidator Validator = new(OpenApiSpec.Instance);

    private readonly HttpClient _http = new() { BaseAddress = baseUri };

    public async Task<CheckedReply> SendAsync(HttpMethod method, string path, string? body = null, bool conforming = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var reply = new CheckedReply(response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, text);
        Violations(method, path, conforming ? body : null, reply).Should().BeEmpty($"{method} {path} follows Qdrant's OpenAPI document ({reply})");
        return reply;
    }

    /// <summary>The <c>result</c> of a call that must succeed.</summary>
    public async Task<JsonNode> ResultAsync(HttpMethod method, string path, string? body = null)
    {
        var reply = await SendAsync(method, path, body);
        reply.Status.Should().Be(HttpStatusCode.OK, $"{method} {path} succeeds ({reply})");
        return reply.Result!;
    }

    public void Dispose() => _http.Dispose();

    private static List<string> Violations(HttpMethod method, string path, string? body, CheckedReply reply)
    {
        var errors = new List<string>();
        var route = "/" + path.Split('?')[0].TrimStart('/');
        var template = Spec.MatchPath(method.Method, route);
        if (template is null)
        {
            return [$"Qdrant's OpenAPI document has no operation {method} {route}"];
        }

        if (body is not null && Spec.RequestSchema(template, method.Method) is { } requestSchema)
        {
            using var request = JsonDocument.Parse(body);
            errors.AddRange(Validator.Validate(request.RootElement, requestSchema).Select(error => $"request {error}"));
        }

        if (Spec.ResponseSchema(template, method.Method, (int)reply.Status) is not { } responseSchema)
        {
            errors.Add($"no JSON reply is documented for {(int)reply.Status}");
            return errors;
        }

        using var response = JsonDocument.Parse(reply.Text);
        errors.AddRange(Validator.Validate(response.RootElement, responseSchema).Select(error => $"response {error}"));
        return errors;
    }
}
