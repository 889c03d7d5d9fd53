using System.Net;
using System.Text;
using System.Text.Json;
using RagOperator.InProcess.Qdrant;

namespace RagOperator.Qdrant.Tests.Server;

/// <summary>The server's replies byte-for-byte where Qdrant's shape is known, over plain HTTP.</summary>
public sealed class WireProtocolTests : IAsyncLifetime, IDisposable
{
    private InProcessQdrantServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessQdrantServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseUri };
        await SendAsync(HttpMethod.Put, "collections/w", """{"vectors": {"size": 3, "distance": "Euclid"}}""");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Errors_use_qdrants_envelope_with_status_error_and_time()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "collections/none");

        status.Should().Be(HttpStatusCode.NotFound);
        body.GetProperty("status").GetProperty("error").GetString().Should().Be("Not found: Collection `none` doesn't exist!");
        body.GetProperty("time").ValueKind.Should().Be(JsonValueKind.Number);
        body.TryGetProperty("result", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Successful_replies_carry_result_status_ok_and_time()
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "collections/w/points?wait=true", """{"points": [{"id": 1, "vector": [1, 2, 3]}]}""");

        status.Should().Be(HttpStatusCode.OK);
        body.GetProperty("status").GetString().Should().Be("ok");
        body.GetProperty("result").GetProperty("status").GetString().Should().Be("completed");
        body.GetProperty("result").GetProperty("operation_id").GetUInt64().Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task The_legacy_search_endpoint_answers_with_a_bare_array_of_scored_points()
    {
        await SendAsync(HttpMethod.Put, "collections/w/points?wait=true",
            """{"batch": {"ids": [1, 2], "vectors": [[0, 0, 0], [3, 4, 0]], "payloads": [{"a": 1}, null]}}""");

        var (status, body) = await SendAsync(HttpMethod.Post, "collections/w/points/search",
            """{"vector": [3, 4, 0], "limit": 2, "with_payload": true}""");

        status.Should().Be(HttpStatusCode.OK);
        var hits = body.GetProperty("result").EnumerateArray().ToList();
        hits.Select(h => h.GetProperty("id").GetInt32()).Should().Equal(2, 1);
        hits[0].GetProperty("score").GetSingle().Should().Be(0f);
        hits[1].GetProperty("score").GetSingle().Should().Be(5f, "Euclid reports the distance itself");
        hits[1].GetProperty("payload").GetRawText().Should().Be("""{"a":1}""");
        hits[0].GetProperty("version").GetUInt64().Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task The_legacy_search_requires_a_limit()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "collections/w/points/search", """{"vector": [1, 2, 3]}""");

        status.Should().Be(HttpStatusCode.BadRequest);
        body.GetProperty("status").GetProperty("error").GetString().Should().Be("Format error in JSON body: missing field `limit`");
    }

    [Theory]
    [InlineData("PUT", "collections/w", """{"vectors": {"size": 3, "distance": "Dot"}}""", 409, "Wrong input: Collection `w` already exists!")]
    [InlineData("PUT", "collections/z", """{"vectors": {"size": 0, "distance": "Dot"}}""", 422, "Validation error in JSON body: [vectors.size: value 0 invalid, must be from 1 to 65536]")]
    [InlineData("PUT", "collections/z", """{"vectors": {"size": 3, "distance": "Cosinus"}}""", 400, "Format error in JSON body: unknown variant `Cosinus`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan`")]
    [InlineData("PUT", "collections/z", """{"vectors": {"size": 3, "distance": "Dot"}, "hnsw_config": {"ef_construct": 3}}""", 422, "Validation error in JSON body: [hnsw_config.ef_construct: value 3 invalid, must be 4 or larger]")]
    [InlineData("PUT", "collections/w/points", """{"points": [{"id": 1, "vector": [1, 2]}]}""", 400, "Wrong input: Vector dimension error: expected dim: 3, got 2")]
    [InlineData("PUT", "collections/w/points", """{"points": [{"id": 1, "vector": []}]}""", 422, "Validation error in JSON body: [points[0].vector.vector: dense vector must not be empty]")]
    [InlineData("PUT", "collections/w/points", """{"points": [{"id": 1}]}""", 400, "Format error in JSON body: missing field `vector`")]
    [InlineData("PUT", "collections/w/points", """{"points": [{"id": -1, "vector": [1, 2, 3]}]}""", 400, "Format error in JSON body: data did not match any variant of untagged enum ExtendedPointId")]
    [InlineData("POST", "collections/w/points/query", """{"query": [1, 2, 3], "limit": 0}""", 422, "Validation error in JSON body: [internal.limit: value 0 invalid, must be 1 or larger]")]
    [InlineData("POST", "collections/w/points/query", """{"query": [1, 2, 3], "using": "image"}""", 400, "Wrong input: Not existing vector name error: image")]
    [InlineData("POST", "collections/w/points/scroll", """{"limit": 0}""", 422, "Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]")]
    [InlineData("POST", "collections/w/points/count", "{not json", 400, "Format error in JSON body")]
    [InlineData("POST", "collections/w/points/count", "", 400, "Format error in JSON body: EOF while parsing a value at line 1 column 0")]
    [InlineData("PUT", "collections/w/points?wait=maybe", """{"points": []}""", 400, "Query deserialize error")]
    [InlineData("POST", "collections/w/points/query", """{"query": {"recommend": {"positive": [1]}}}""", 400, "Bad request: The `recommend` query is not supported by the in-process Qdrant server")]
    public async Task Invalid_requests_get_qdrants_status_and_wording(string method, string path, string body, int status, string message)
    {
        var (actualStatus, reply) = await SendAsync(new HttpMethod(method), path, body);

        ((int)actualStatus).Should().Be(status);
        reply.GetProperty("status").GetProperty("error").GetString().Should().StartWith(message);
    }

    [Fact]
    public async Task Getting_a_point_by_id_returns_the_record_or_qdrants_not_found()
    {
        await SendAsync(HttpMethod.Put, "collections/w/points?wait=true",
            """{"points": [{"id": "550e8400-e29b-41d4-a716-446655440000", "vector": [1, 2, 3], "payload": {"n": 1.50}}]}""");

        var (found, record) = await SendAsync(HttpMethod.Get, "collections/w/points/550E8400-E29B-41D4-A716-446655440000");
        var (missing, error) = await SendAsync(HttpMethod.Get, "collections/w/points/77");

        found.Should().Be(HttpStatusCode.OK);
        record.GetProperty("result").GetRawText().Should().Be(
            """{"id":"550e8400-e29b-41d4-a716-446655440000","payload":{"n":1.50},"vector":[1,2,3]}""");
        missing.Should().Be(HttpStatusCode.NotFound);
        error.GetProperty("status").GetProperty("error").GetString().Should().Be("Not found: No point with id 77 found");
    }

    [Fact]
    public async Task Health_endpoints_answer_in_plain_text_and_unknown_routes_are_404()
    {
        (await _http.GetStringAsync("healthz")).Should().Be("healthz check passed");
        (await _http.GetStringAsync("livez")).Should().Be("healthz check passed");
        (await _http.GetStringAsync("readyz")).Should().Be("all shards are ready");
        (await _http.GetAsync("telemetry")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _http.PostAsync("collections/w/points/recommend", new StringContent("{}"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Collections_are_listed_by_name()
    {
        var (_, body) = await SendAsync(HttpMethod.Get, "collections");

        body.GetProperty("result").GetRawText().Should().Be("""{"collections":[{"name":"w"}]}""");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
