using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Qdrant;
using Xunit;

namespace RagOperator.InProcess.Tests.Qdrant;

/// <summary>
/// Hybrid retrieval on the in-process Qdrant's REST face, every exchange checked against Qdrant's OpenAPI schemas:
/// named dense and sparse vectors in Qdrant's JSON shapes, sparse and idf scoring, prefetch with RRF (plain and
/// parameterized) and DBSF. Expected results are those of <see cref="HybridData"/>, as on the gRPC face.
/// </summary>
public sealed class HybridRestTests : IAsyncLifetime, IDisposable
{
    private const string Points = $"collections/{HybridData.Collection}/points";

    private const string CreateBody = """
        {
          "vectors": {
            "text": {"size": 2, "distance": "Dot"},
            "image": {"size": 3, "distance": "Cosine", "on_disk": true, "hnsw_config": {"m": 32},
                      "quantization_config": {"scalar": {"type": "int8", "quantile": 0.99}}}
          },
          "sparse_vectors": {
            "splade": {},
            "bm": {"modifier": "idf", "index": {"on_disk": true, "full_scan_threshold": 5000}}
          }
        }
        """;

    private static readonly string Prefetch = PrefetchJson(denseLimit: 3);

    private InProcessQdrantServer _server = null!;
    private CheckedQdrantRest _rest = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessQdrantServer.StartAsync();
        _rest = new CheckedQdrantRest(_server.BaseUri);
        (await _rest.ResultAsync(HttpMethod.Put, $"collections/{HybridData.Collection}", CreateBody)).GetValue<bool>().Should().BeTrue();
        var points = string.Join(", ", HybridData.Points.Select(HybridData.ToRestJson));
        await _rest.ResultAsync(HttpMethod.Put, $"{Points}?wait=true", $$"""{"points": [{{points}}]}""");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _rest.Dispose();

    [Fact]
    public async Task Collection_info_reports_named_vectors_and_sparse_vectors_as_they_were_given()
    {
        var info = await _rest.ResultAsync(HttpMethod.Get, $"collections/{HybridData.Collection}");

        var parameters = info["config"]!["params"]!;
        parameters["vectors"]!["text"]!.ToJsonString().Should().Be("""{"size":2,"distance":"Dot"}""");
        parameters["vectors"]!["image"]!["hnsw_config"]!["m"]!.GetValue<int>().Should().Be(32);
        parameters["vectors"]!["image"]!["quantization_config"]!["scalar"]!["quantile"]!.GetValue<double>().Should().Be(0.99);
        parameters["vectors"]!["image"]!["on_disk"]!.GetValue<bool>().Should().BeTrue();
        parameters["sparse_vectors"]!["bm"]!["modifier"]!.GetValue<string>().Should().Be("idf");
        parameters["sparse_vectors"]!["bm"]!["index"]!["full_scan_threshold"]!.GetValue<int>().Should().Be(5000);
        parameters["sparse_vectors"]!["splade"]!.ToJsonString().Should().Be("{}");
        info["points_count"]!.GetValue<int>().Should().Be(5);
    }

    [Fact]
    public async Task Scroll_and_retrieve_return_named_dense_and_sorted_sparse_vectors_in_qdrants_shapes()
    {
        var page = await _rest.ResultAsync(HttpMethod.Post, $"{Points}/scroll", """{"with_vector": true, "with_payload": false}""");
        var chosen = await _rest.ResultAsync(HttpMethod.Post, Points, """{"ids": [1, 5], "with_vector": ["splade", "text"]}""");

        var vectors = page["points"]!.AsArray().ToDictionary(point => point!["id"]!.GetValue<int>(), point => point!["vector"]!);
        vectors[1].ToJsonString().Should().Be(
            """{"bm":{"indices":[1,3],"values":[1,2]},"splade":{"indices":[1,3],"values":[1,2]},"text":[1,0]}""");
        vectors[4].ToJsonString().Should().Be("""{"text":[-1,0]}""", "a point may lack vectors of its collection");
        vectors[3]["image"]!.AsArray().Select(component => component!.GetValue<float>()).Should().Equal(1f / 3, 2f / 3, 2f / 3);
        chosen.AsArray().Select(point => point!["vector"]!.ToJsonString()).Should().Equal(
            """{"splade":{"indices":[1,3],"values":[1,2]},"text":[1,0]}""",
            """{"splade":{"indices":[1],"values":[0.5]}}""");
    }

    [Fact]
    public async Task Sparse_queries_score_shared_indices_and_idf_reorders_by_rarity()
    {
        var plain = await QueryAsync($$"""{"query": {{HybridData.SparseJson([(3, 1f), (2, 1f)])}}, "using": "splade"}""");
        var idf = await QueryAsync($$"""{"query": {"nearest": {{HybridData.SparseJson([(2, 1f), (3, 1f)])}}}, "using": "bm", "with_payload": true}""");

        plain.Select(hit => hit.Id).Should().Equal(2, 1, 3);
        plain.Select(hit => hit.Score).Should().Equal(4f, 2f, 1.5f);
        idf.Select(hit => hit.Id).Should().Equal(2, 3, 1);
        idf.Select(hit => hit.Score).Should().Equal(
            [4 * HybridData.IdfCommon, 1.5f * HybridData.IdfRare, 2 * HybridData.IdfCommon], (actual, expected) => Math.Abs(actual - expected) < 1e-5f);
    }

    [Fact]
    public async Task Prefetches_fuse_with_rrf_plain_or_parameterized_and_with_dbsf()
    {
        var rrf = await QueryAsync($$$"""{"prefetch": {{{Prefetch}}}, "query": {"fusion": "rrf"}}""");
        var sharper = await QueryAsync($$$"""{"prefetch": {{{Prefetch}}}, "query": {"rrf": {"k": 1} } }""");
        var weighted = await QueryAsync($$$"""{"prefetch": {{{Prefetch}}}, "query": {"rrf": {"weights": [1, 0]} } }""");
        var dbsf = await QueryAsync($$$"""{"prefetch": {{{PrefetchJson(denseLimit: 4)}}}, "query": {"fusion": "dbsf"}}""");

        rrf.Select(hit => hit.Id).Should().Equal(2, 1, 3);
        rrf.Select(hit => hit.Score).Should().Equal(1f / 3 + 1f / 2, 1f / 2 + 1f / 4, 1f / 4 + 1f / 3);
        sharper.Select(hit => hit.Score).Should().Equal(1f / 2 + 1f / 1, 1f / 1 + 1f / 3, 1f / 3 + 1f / 2);
        weighted.Select(hit => hit.Id).Should().Equal([1, 2, 3], "a zero weight silences the sparse prefetch");
        dbsf.Select(hit => hit.Id).Should().Equal(2, 1, 3, 4);
        dbsf.Select(hit => (double)hit.Score).Should().Equal(HybridData.DbsfScores, (actual, expected) => Math.Abs(actual - expected) < 1e-5);
    }

    [Fact]
    public async Task A_query_batch_and_the_root_filter_offset_and_threshold_apply_as_in_qdrant()
    {
        var batch = await _rest.ResultAsync(HttpMethod.Post, $"{Points}/query/batch", $$"""
            {"searches": [
              {"prefetch": {{Prefetch}}, "query": {"fusion": "rrf"}, "filter": {"must_not": [{"has_id": [1]}]} },
              {"prefetch": {{Prefetch}}, "query": {"fusion": "rrf"}, "offset": 1, "limit": 1},
              {"prefetch": {{Prefetch}}, "query": {"fusion": "rrf"}, "score_threshold": 0.75}
            ]}
            """);

        var ids = batch.AsArray().Select(result => result!["points"]!.AsArray().Select(hit => hit!["id"]!.GetValue<int>()).ToArray()).ToArray();
        ids[0].Should().Equal([2, 3, 4], "the root filter is merged into every prefetch");
        ids[1].Should().Equal(1);
        ids[2].Should().Equal([2, 1], "a fused score equal to the threshold is kept");
    }

    [Fact]
    public async Task Wrong_names_dimensions_and_sparse_vectors_get_qdrants_errors()
    {
        var unknown = await _rest.SendAsync(HttpMethod.Put, Points, """{"points": [{"id": 9, "vector": {"nope": [1, 0]}}]}""");
        var dimension = await _rest.SendAsync(HttpMethod.Put, Points, """{"points": [{"id": 9, "vector": {"text": [1, 0, 0]}}]}""");
        var lengths = await _rest.SendAsync(HttpMethod.Put, Points, """{"points": [{"id": 9, "vector": {"bm": {"indices": [1, 2], "values": [1]}}}]}""");
        var kind = await _rest.SendAsync(HttpMethod.Post, $"{Points}/query", """{"query": [1, 0], "using": "splade"}""");
        var fusionAlone = await _rest.SendAsync(HttpMethod.Post, $"{Points}/query", """{"query": {"fusion": "rrf"}}""");

        unknown.Error.Should().Be("Wrong input: Not existing vector name error: nope");
        dimension.Error.Should().Be("Wrong input: Vector dimension error: expected dim: 2, got 3");
        lengths.Status.Should().Be(HttpStatusCode.UnprocessableEntity);
        lengths.Error.Should().Be("Validation error in JSON body: [points[0].vector.bm.values: must be the same length as indices]");
        kind.Error.Should().Be("Wrong input: Conversion between sparse and regular vectors failed");
        fusionAlone.Error.Should().Be("Wrong input: Validation failed: cannot apply Fusion without prefetches");
        _server.Collections.PointCount(HybridData.Collection).Should().Be(5);
    }

    [Fact]
    public async Task The_sparse_modifier_can_be_switched_off_and_the_scores_lose_their_idf_weights()
    {
        await _rest.ResultAsync(HttpMethod.Patch, $"collections/{HybridData.Collection}", """{"sparse_vectors": {"bm": {"modifier": "none"}}}""");

        var hits = await QueryAsync($$"""{"query": {{HybridData.SparseJson([(2, 1f), (3, 1f)])}}, "using": "bm"}""");

        hits.Select(hit => hit.Score).Should().Equal(4f, 2f, 1.5f);
    }

    /// <summary>Dense <c>text</c> nearest to [1, 0] and sparse <c>bm</c> (idf) nearest to {2: 1, 3: 1}.</summary>
    private static string PrefetchJson(int denseLimit) => $$"""
        [{"query": [1, 0], "using": "text", "limit": {{denseLimit}}},
         {"query": {{HybridData.SparseJson([(2, 1f), (3, 1f)])}}, "using": "bm", "limit": 3}]
        """;

    private async Task<IReadOnlyList<(int Id, float Score)>> QueryAsync(string body)
    {
        var result = await _rest.ResultAsync(HttpMethod.Post, $"{Points}/query", body);
        return result["points"]!.AsArray().Select(hit => (hit!["id"]!.GetValue<int>(), hit["score"]!.GetValue<float>())).ToList();
    }
}
