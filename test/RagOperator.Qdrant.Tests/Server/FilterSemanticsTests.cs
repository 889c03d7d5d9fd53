using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RagOperator.InProcess.Qdrant;

namespace RagOperator.Qdrant.Tests.Server;

/// <summary>Qdrant's filter semantics, checked over HTTP with raw filter JSON against a fixed set of payloads.</summary>
public sealed class FilterSemanticsTests : IAsyncLifetime, IDisposable
{
    // id → payload
    private static readonly (int Id, string Payload)[] Payloads =
    [
        (1, """{"_rag_cell": 1, "lang": "en", "tags": ["a", "b"], "score": 0.5, "meta": {"owner": "x"}}"""),
        (2, """{"_rag_cell": 2, "lang": "de", "tags": ["b"], "score": 1.5, "meta": {"owner": "y"}}"""),
        (3, """{"_rag_cell": 3, "lang": "en", "tags": [], "score": 2, "flag": true}"""),
        (4, """{"_rag_cell": 4, "tags": null, "flag": false, "items": [{"k": 1, "v": "p"}, {"k": 2, "v": "q"}]}"""),
        (5, """{"_rag_cell": 5.0, "lang": "fr", "tags": [null], "items": [{"k": 3, "v": "p"}]}"""),
        (6, """{}"""),
    ];

    private InProcessQdrantServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessQdrantServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseUri };
        (await _http.PutAsync("collections/f", Json("""{"vectors": {"size": 2, "distance": "Dot"}}"""))).EnsureSuccessStatusCode();
        var points = string.Join(",", Payloads.Select(p => $$"""{"id": {{p.Id}}, "vector": [1, 0], "payload": {{p.Payload}}}"""));
        (await _http.PutAsync("collections/f/points?wait=true", Json($$"""{"points": [{{points}}]}"""))).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    public static TheoryData<string, int[]> Cases => new()
    {
        // match value: keyword, integer (5.0 is a float, so it is not the integer 5), bool; arrays match on any element
        { """{"must": [{"key": "lang", "match": {"value": "en"}}]}""", [1, 3] },
        { """{"must": [{"key": "_rag_cell", "match": {"value": 5}}]}""", [] },
        { """{"must": [{"key": "_rag_cell", "match": {"value": 2}}]}""", [2] },
        { """{"must": [{"key": "flag", "match": {"value": false}}]}""", [4] },
        { """{"must": [{"key": "tags", "match": {"value": "b"}}]}""", [1, 2] },
        // a single condition instead of an array
        { """{"must": {"key": "lang", "match": {"value": "de"}}}""", [2] },
        // match any / except
        { """{"must": [{"key": "_rag_cell", "match": {"any": [1, 3, 4]}}]}""", [1, 3, 4] },
        { """{"must": [{"key": "lang", "match": {"any": ["de", "fr"]}}]}""", [2, 5] },
        { """{"must": [{"key": "lang", "match": {"except": ["en"]}}]}""", [2, 5] },
        { """{"must": [{"key": "_rag_cell", "match": {"except": [1, 2]}}]}""", [3, 4, 5] },
        { """{"must": [{"key": "tags", "match": {"except": ["a"]}}]}""", [1, 2] },
        // range over integers and floats alike
        { """{"must": [{"key": "_rag_cell", "range": {"gte": 2, "lt": 5}}]}""", [2, 3, 4] },
        { """{"must": [{"key": "score", "range": {"gt": 0.5}}]}""", [2, 3] },
        { """{"must": [{"key": "_rag_cell", "range": {"lte": 1}}]}""", [1] },
        // has_id
        { """{"must": [{"has_id": [2, 4, 99]}]}""", [2, 4] },
        { """{"must_not": [{"has_id": [1, 2, 3]}]}""", [4, 5, 6] },
        // is_empty / is_null (top-level form and field form)
        { """{"must": [{"is_empty": {"key": "tags"}}]}""", [3, 4, 6] },
        { """{"must": [{"is_null": {"key": "tags"}}]}""", [4] },
        { """{"must": [{"key": "tags", "is_empty": false}]}""", [1, 2, 5] },
        { """{"must_not": [{"is_empty": {"key": "lang"}}]}""", [1, 2, 3, 5] },
        // dotted keys
        { """{"must": [{"key": "meta.owner", "match": {"value": "y"}}]}""", [2] },
        // should / must_not / nesting; an empty should matches nothing
        { """{"should": [{"key": "lang", "match": {"value": "de"}}, {"key": "flag", "match": {"value": true}}]}""", [2, 3] },
        { """{"should": []}""", [] },
        { """{"must": []}""", [1, 2, 3, 4, 5, 6] },
        { """{"must": [{"should": [{"key": "_rag_cell", "match": {"value": 1}}, {"key": "_rag_cell", "match": {"value": 2}}]}], "must_not": [{"key": "lang", "match": {"value": "de"}}]}""", [1] },
        { """{"min_should": {"conditions": [{"key": "lang", "match": {"value": "en"}}, {"key": "flag", "match": {"value": true}}, {"has_id": [3]}], "min_count": 2}}""", [3] },
        // nested objects inside an array
        { """{"must": [{"nested": {"key": "items", "filter": {"must": [{"key": "k", "match": {"value": 1}}, {"key": "v", "match": {"value": "p"}}]}}}]}""", [4] },
        { """{"must": [{"nested": {"key": "items", "filter": {"must": [{"key": "k", "match": {"value": 2}}, {"key": "v", "match": {"value": "p"}}]}}}]}""", [] },
        { """{"must": [{"key": "items[].v", "match": {"value": "q"}}]}""", [4] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_filter_selects_the_points_qdrant_would_select(string filter, int[] expectedIds)
    {
        var scroll = await PostAsync("collections/f/points/scroll", $$"""{"filter": {{filter}}, "limit": 100, "with_payload": false}""");
        var ids = scroll.GetProperty("result").GetProperty("points").EnumerateArray().Select(p => p.GetProperty("id").GetInt32()).ToArray();

        ids.Should().Equal(expectedIds);
        var count = await PostAsync("collections/f/points/count", $$"""{"filter": {{filter}}, "exact": true}""");
        count.GetProperty("result").GetProperty("count").GetInt32().Should().Be(expectedIds.Length);
    }

    [Theory]
    [InlineData("""{"must": [{"key": "lang"}]}""", 422, "Validation error in JSON body")]
    [InlineData("""{"must": [{"key": "lang", "match": {"value": 1.5}}]}""", 400, "Format error in JSON body: data did not match any variant of untagged enum ValueVariants")]
    [InlineData("""{"musts": []}""", 400, "Format error in JSON body: unknown field `musts`")]
    [InlineData("""{"must": [{"key": "geo", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": 1}}]}""", 400, "is not supported by the in-process Qdrant server")]
    public async Task A_malformed_or_unsupported_filter_is_refused_with_a_clear_message(string filter, int status, string message)
    {
        var response = await _http.PostAsync("collections/f/points/count", Json($$"""{"filter": {{filter}}}"""));

        ((int)response.StatusCode).Should().Be(status);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetProperty("error").GetString().Should().Contain(message);
    }

    private async Task<JsonElement> PostAsync(string path, string body)
    {
        var response = await _http.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
