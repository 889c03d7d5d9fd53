using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace RagOperator.Router.Tests.Support;

/// <summary>A router's answer: status code and the parsed JSON body (null when the body is not JSON).</summary>
internal sealed record RouterReply(HttpStatusCode Status, JsonNode? Body, string Text, string? RetryAfter = null)
{
    public string? Error => Body?["error"]?.GetValue<string>();

    public string? Field => Body?["field"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Text}";
}

/// <summary>Talks to a router over real HTTP, the way a client application would.</summary>
internal sealed class RouterClient(Uri baseUri, string collection = "docs", string? apiKey = null) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };

    public string Collection { get; } = collection;

    public Task<RouterReply> SearchAsync(JsonObject body) => SendAsync(HttpMethod.Post, $"v1/collections/{Collection}/points/search", body.ToJsonString());

    public Task<RouterReply> SearchBatchAsync(JsonObject body) => SendAsync(HttpMethod.Post, $"v1/collections/{Collection}/points/search/batch", body.ToJsonString());

    public Task<RouterReply> UpsertAsync(JsonObject body) => SendAsync(HttpMethod.Put, $"v1/collections/{Collection}/points", body.ToJsonString());

    public Task<RouterReply> DeleteAsync(JsonObject body) => SendAsync(HttpMethod.Post, $"v1/collections/{Collection}/points/delete", body.ToJsonString());

    public Task<RouterReply> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public async Task<RouterReply> SendAsync(HttpMethod method, string path, string? body, IReadOnlyDictionary<string, string>? headers = null)
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
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (e.g. a plain 405); the text is kept for the assertion message.
        }

        return new RouterReply(response.StatusCode, json, text, response.Headers.RetryAfter?.ToString());
    }

    public void Dispose() => http.Dispose();
}
