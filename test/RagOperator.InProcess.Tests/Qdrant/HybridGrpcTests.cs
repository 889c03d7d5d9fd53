using FluentAssertions;
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant;
using Xunit;
using static Qdrant.Client.Grpc.Conditions;

namespace RagOperator.InProcess.Tests.Qdrant;

/// <summary>
/// Hybrid retrieval on the in-process Qdrant's gRPC face, judged by the official <c>Qdrant.Client</c>: named dense
/// vectors, sparse vectors with and without the <c>idf</c> modifier, and the query API's prefetch and fusion.
/// Expected scores are worked out by hand from <see cref="HybridData"/>.
/// </summary>
public sealed class HybridGrpcTests : IAsyncLifetime, IDisposable
{
    private InProcessQdrantServer _server = null!;
    private QdrantClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessQdrantServer.StartAsync();
        _client = new QdrantClient(_server.GrpcUri);
        await _client.CreateCollectionAsync(
            HybridData.Collection,
            new VectorParamsMap
            {
                Map =
                {
                    ["text"] = new VectorParams { Size = 2, Distance = Distance.Dot },
                    ["image"] = new VectorParams { Size = 3, Distance = Distance.Cosine, HnswConfig = new HnswConfigDiff { M = 32 } },
                },
            },
            sparseVectorsConfig: new SparseVectorConfig
            {
                Map =
                {
                    ["splade"] = new SparseVectorParams(),
                    ["bm"] = new SparseVectorParams { Modifier = Modifier.Idf, Index = new SparseIndexConfig { FullScanThreshold = 5000 } },
                },
            });
        await _client.UpsertAsync(HybridData.Collection, HybridData.Points.Select(HybridData.ToGrpc).ToList());
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_collection_with_named_dense_and_sparse_vectors_reports_them()
    {
        var info = await _client.GetCollectionInfoAsync(HybridData.Collection);

        var dense = info.Config.Params.VectorsConfig.ParamsMap.Map;
        dense.Keys.Should().BeEquivalentTo("text", "image");
        dense["text"].Size.Should().Be(2);
        dense["text"].Distance.Should().Be(Distance.Dot);
        dense["image"].HnswConfig.M.Should().Be(32);
        var sparse = info.Config.Params.SparseVectorsConfig.Map;
        sparse["bm"].Modifier.Should().Be(Modifier.Idf);
        sparse["bm"].Index.FullScanThreshold.Should().Be(5000);
        sparse["splade"].HasModifier.Should().BeFalse("no modifier was given");
        info.PointsCount.Should().Be(5);
    }

    [Fact]
    public async Task Points_read_back_their_named_and_sparse_vectors_with_sparse_indices_sorted()
    {
        var all = (await _client.RetrieveAsync(HybridData.Collection, [1ul, 3ul, 4ul], withPayload: false, withVectors: true))
            .ToDictionary(point => point.Id.Num);
        var only = (await _client.RetrieveAsync(
                HybridData.Collection, [new PointId { Num = 1 }], payloadSelector: false,
                vectorSelector: new WithVectorsSelector { Include = new VectorsSelector { Names = { "splade" } } }))
            .Single();

        var first = all[1].Vectors.Vectors.Vectors;
        first.Keys.Should().BeEquivalentTo("text", "splade", "bm");
        first["text"].Dense.Data.Should().Equal(1f, 0f);
        first["splade"].Sparse.Indices.Should().Equal(1u, 3u);
        first["splade"].Sparse.Values.Should().Equal(1f, 2f);
        all[3].Vectors.Vectors.Vectors["image"].Dense.Data.Should().Equal(1f / 3, 2f / 3, 2f / 3);
        all[4].Vectors.Vectors.Vectors.Keys.Should().Equal("text");
        only.Vectors.Vectors.Vectors.Keys.Should().Equal("splade");
    }

    [Fact]
    public async Task A_sparse_query_scores_the_dot_product_over_shared_indices_and_skips_points_sharing_none()
    {
        var hits = await _client.QueryAsync(HybridData.Collection, HybridData.SparseQuery, usingVector: "splade");

        hits.Select(hit => hit.Id.Num).Should().Equal(2ul, 1ul, 3ul);
        hits.Select(hit => hit.Score).Should().Equal(4f, 2f, 1.5f);
    }

    [Fact]
    public async Task The_idf_modifier_weights_each_query_index_by_its_rarity_among_the_points_with_that_vector()
    {
        var hits = await _client.QueryAsync(HybridData.Collection, HybridData.SparseQuery, usingVector: "bm");

        hits.Select(hit => hit.Id.Num).Should().Equal(2ul, 3ul, 1ul);
        hits[0].Score.Should().BeApproximately(4 * HybridData.IdfCommon, 1e-5f);
        hits[1].Score.Should().BeApproximately(1.5f * HybridData.IdfRare, 1e-5f);
        hits[2].Score.Should().BeApproximately(2 * HybridData.IdfCommon, 1e-5f);
    }

    [Fact]
    public async Task Rrf_fuses_the_prefetches_by_rank_with_qdrants_constant_of_two()
    {
        var hits = await _client.QueryAsync(HybridData.Collection, Fusion.Rrf, prefetch: HybridPrefetch(denseLimit: 3));

        hits.Select(hit => hit.Id.Num).Should().Equal(2ul, 1ul, 3ul);
        hits.Select(hit => hit.Score).Should().Equal(1f / 3 + 1f / 2, 1f / 2 + 1f / 4, 1f / 4 + 1f / 3);
    }

    [Fact]
    public async Task Dbsf_sums_scores_normalised_by_three_standard_deviations_around_each_prefetchs_mean()
    {
        var hits = await _client.QueryAsync(HybridData.Collection, Fusion.Dbsf, prefetch: HybridPrefetch(denseLimit: 4));

        hits.Select(hit => hit.Id.Num).Should().Equal(2ul, 1ul, 3ul, 4ul);
        hits.Select(hit => (double)hit.Score).Should().Equal(
            HybridData.DbsfScores, (actual, expected) => Math.Abs(actual - expected) < 1e-5);
    }

    [Fact]
    public async Task The_root_filter_reaches_every_prefetch_and_offset_limit_and_threshold_apply_to_the_fused_list()
    {
        var filtered = await _client.QueryAsync(
            HybridData.Collection, Fusion.Rrf, prefetch: HybridPrefetch(denseLimit: 3), filter: new Filter { MustNot = { HasId(1ul) } });
        var paged = await _client.QueryAsync(HybridData.Collection, Fusion.Rrf, prefetch: HybridPrefetch(denseLimit: 3), offset: 1, limit: 1);
        var above = await _client.QueryAsync(HybridData.Collection, Fusion.Rrf, prefetch: HybridPrefetch(denseLimit: 3), scoreThreshold: 0.75f);

        filtered.Select(hit => hit.Id.Num).Should().Equal(2ul, 3ul, 4ul);
        filtered.Select(hit => hit.Score).Should().Equal(1f / 2 + 1f / 2, 1f / 3 + 1f / 3, 1f / 4);
        paged.Select(hit => hit.Id.Num).Should().Equal(1ul);
        above.Select(hit => hit.Id.Num).Should().Equal([2ul, 1ul], "a fused score equal to the threshold is kept, as in Qdrant");
    }

    [Fact]
    public async Task A_nearest_query_over_nested_prefetches_rescores_only_the_points_they_found()
    {
        var fused = new PrefetchQuery { Prefetch = { HybridPrefetch(denseLimit: 3) }, Query = Fusion.Rrf, Limit = 2 };

        var hits = await _client.QueryAsync(HybridData.Collection, new[] { 0f, 1f }, prefetch: [fused], usingVector: "text");

        hits.Select(hit => hit.Id.Num).Should().Equal(2ul, 1ul);
        hits.Select(hit => hit.Score).Should().Equal(0.5f, 0f);
    }

    [Fact]
    public async Task A_query_batch_answers_each_query_in_order()
    {
        var batch = await _client.QueryBatchAsync(HybridData.Collection,
        [
            new QueryPoints { CollectionName = HybridData.Collection, Query = HybridData.SparseQuery, Using = "splade", Limit = 1 },
            new QueryPoints { CollectionName = HybridData.Collection, Query = Fusion.Rrf, Prefetch = { HybridPrefetch(denseLimit: 3) } },
        ]);

        batch.Select(result => result.Result.Select(hit => hit.Id.Num).ToArray()).Should()
            .BeEquivalentTo(new[] { new[] { 2ul }, new[] { 2ul, 1ul, 3ul } }, options => options.WithStrictOrdering());
    }

    [Fact]
    public async Task Wrong_names_kinds_and_dimensions_get_qdrants_errors()
    {
        async Task<string> Refusal(Func<Task> call) => (await call.Should().ThrowAsync<RpcException>()).Which.Status.Detail;

        (await Refusal(() => _client.UpsertAsync(HybridData.Collection, [Point(9, "nope", new[] { 1f, 0f })])))
            .Should().Be("Wrong input: Not existing vector name error: nope");
        (await Refusal(() => _client.UpsertAsync(HybridData.Collection, [Point(9, "text", new[] { 1f, 0f, 0f })])))
            .Should().Be("Wrong input: Vector dimension error: expected dim: 2, got 3");
        (await Refusal(() => _client.UpsertAsync(HybridData.Collection, [Point(9, "text", HybridData.Sparse((1, 1f)))])))
            .Should().Be("Wrong input: Conversion between sparse and regular vectors failed");
        (await Refusal(() => _client.UpsertAsync(HybridData.Collection, [Point(9, "splade", HybridData.Sparse((1, 1f), (1, 2f)))])))
            .Should().Contain("must be unique");
        (await Refusal(() => _client.QueryAsync(HybridData.Collection, new[] { 1f, 0f }, usingVector: "splade")))
            .Should().Be("Wrong input: Conversion between sparse and regular vectors failed");
        (await Refusal(() => _client.QueryAsync(HybridData.Collection, new[] { 1f, 0f })))
            .Should().Be("Wrong input: Not existing vector name error: ", "a collection of named vectors has no unnamed one");
        _server.Collections.PointCount(HybridData.Collection).Should().Be(5, "nothing refused was written");
    }

    [Fact]
    public async Task The_unnamed_vector_reads_back_plain_alone_and_by_its_empty_name_beside_a_sparse_vector()
    {
        await _client.CreateCollectionAsync("mixed", new VectorParams { Size = 2, Distance = Distance.Dot },
            sparseVectorsConfig: new SparseVectorConfig { Map = { ["splade"] = new SparseVectorParams() } });
        await _client.UpsertAsync("mixed",
        [
            new PointStruct { Id = 1ul, Vectors = new[] { 1f, 2f } },
            new PointStruct { Id = 2ul, Vectors = new Dictionary<string, Vector> { [""] = new[] { 3f, 4f }, ["splade"] = HybridData.Sparse((7, 1f)) } },
        ]);

        var points = (await _client.RetrieveAsync("mixed", [1ul, 2ul], withPayload: false, withVectors: true)).ToDictionary(point => point.Id.Num);
        var nearest = await _client.QueryAsync("mixed", new[] { 1f, 0f });

        points[1].Vectors.Vector.Dense.Data.Should().Equal(1f, 2f);
        points[2].Vectors.Vectors.Vectors.Keys.Should().BeEquivalentTo("", "splade");
        nearest.Select(hit => hit.Id.Num).Should().Equal(2ul, 1ul);
        (await _client.GetCollectionInfoAsync("mixed")).Config.Params.VectorsConfig.Params.Size.Should().Be(2);
    }

    private static PointStruct Point(ulong id, string name, Vector vector) =>
        new() { Id = id, Vectors = new Dictionary<string, Vector> { [name] = vector } };

    /// <summary>Dense <c>text</c> nearest to [1, 0] and sparse <c>bm</c> (idf) nearest to the sparse query.</summary>
    private static PrefetchQuery[] HybridPrefetch(ulong denseLimit) =>
    [
        new() { Query = new[] { 1f, 0f }, Using = "text", Limit = denseLimit },
        new() { Query = HybridData.SparseQuery, Using = "bm", Limit = 3 },
    ];
}
