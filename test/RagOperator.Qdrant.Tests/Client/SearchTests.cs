using System.Text.Json.Nodes;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class SearchTests
{
    public static TheoryData<Distance> Distances => [Distance.Cosine, Distance.Dot, Distance.Euclid, Distance.Manhattan];

    [Theory]
    [MemberData(nameof(Distances))]
    public async Task Search_returns_the_true_nearest_neighbours_with_qdrants_scores(Distance distance)
    {
        const int dimension = 24;
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("v", new CreateCollectionRequest(new VectorParams(dimension, distance)));
        var points = TestVectors.Points(500, dimension, seed: 100 + (int)distance);
        foreach (var batch in points.Chunk(128))
        {
            await harness.Client.UpsertAsync("v", batch);
        }

        var random = new Random(7);
        for (var q = 0; q < 5; q++)
        {
            var query = TestVectors.Random(random, dimension);
            var expected = TestVectors.Oracle(distance, query, points, 10);

            var hits = await harness.Client.SearchAsync("v", new SearchRequest(query, 10));

            hits.Select(hit => hit.Id).Should().Equal(expected.Select(e => e.Id), $"query {q} under {distance}");
            hits.Zip(expected).Should().OnlyContain(pair => Math.Abs(pair.First.Score - pair.Second.Score) < 1e-3 * Math.Max(1, Math.Abs(pair.Second.Score)));
            var scores = hits.Select(hit => hit.Score).ToList();
            (TestVectors.LargerIsBetter(distance) ? scores.Should().BeInDescendingOrder() : scores.Should().BeInAscendingOrder())
                .And.HaveCount(10);
        }
    }

    [Theory]
    [MemberData(nameof(Distances))]
    public async Task A_score_threshold_keeps_only_strictly_better_hits(Distance distance)
    {
        const int dimension = 8;
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("v", new CreateCollectionRequest(new VectorParams(dimension, distance)));
        var points = TestVectors.Points(200, dimension, seed: 42);
        await harness.Client.UpsertAsync("v", points);
        var query = TestVectors.Random(new Random(3), dimension);
        var all = TestVectors.Oracle(distance, query, points, 200);
        var threshold = (float)all[20].Score;

        var hits = await harness.Client.SearchAsync("v", new SearchRequest(query, 200) { ScoreThreshold = threshold });

        var expected = all.Where(hit => TestVectors.LargerIsBetter(distance) ? hit.Score > threshold + 1e-4 : hit.Score < threshold - 1e-4)
            .Select(hit => hit.Id).ToList();
        hits.Select(hit => hit.Id).Should().StartWith(expected);
        hits.Should().HaveCountLessThanOrEqualTo(21);
        hits.Should().OnlyContain(hit => TestVectors.LargerIsBetter(distance) ? hit.Score > threshold : hit.Score < threshold);
    }

    [Fact]
    public async Task Search_with_a_filter_offset_and_payload_ranks_only_matching_points()
    {
        const int dimension = 16;
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("v", new CreateCollectionRequest(new VectorParams(dimension, Distance.Cosine)));
        var points = TestVectors.Points(300, dimension, seed: 77, i => new JsonObject { ["_rag_cell"] = i % 10, ["lang"] = i % 2 == 0 ? "en" : "de" });
        await harness.Client.UpsertAsync("v", points);
        var query = TestVectors.Random(new Random(1), dimension);
        var filter = Filter.All(Conditions.MatchAny("_rag_cell", [2, 4, 6]), Conditions.Match("lang", "en"));
        var eligible = points.Where(p => p.Payload!["_rag_cell"]!.GetValue<int>() is 2 or 4 or 6);
        var expected = TestVectors.Oracle(Distance.Cosine, query, eligible, 8).Skip(3).Select(e => e.Id).ToList();

        var hits = await harness.Client.SearchAsync("v", new SearchRequest(query, 5)
        {
            Filter = filter,
            Offset = 3,
            WithPayload = PayloadSelector.Fields("_rag_cell"),
            WithVector = true,
            Exact = true,
        });

        hits.Select(hit => hit.Id).Should().Equal(expected);
        hits.Should().OnlyContain(hit => hit.Payload!.Count == 1 && hit.Vector!.Length == dimension && hit.Version > 0);
    }

    [Fact]
    public async Task Batch_search_answers_every_query_in_order()
    {
        const int dimension = 12;
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("v", new CreateCollectionRequest(new VectorParams(dimension, Distance.Euclid)));
        var points = TestVectors.Points(150, dimension, seed: 13);
        await harness.Client.UpsertAsync("v", points);
        var random = new Random(99);
        var queries = Enumerable.Range(0, 4).Select(_ => TestVectors.Random(random, dimension)).ToList();

        var results = await harness.Client.SearchBatchAsync("v", queries.Select(q => new SearchRequest(q, 3)).ToList());

        results.Should().HaveCount(4);
        for (var i = 0; i < queries.Count; i++)
        {
            results[i].Select(hit => hit.Id).Should().Equal(TestVectors.Oracle(Distance.Euclid, queries[i], points, 3).Select(e => e.Id));
        }
    }

    [Fact]
    public async Task Query_in_nearest_form_matches_search()
    {
        const int dimension = 6;
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("v", new CreateCollectionRequest(new VectorParams(dimension, Distance.Dot)));
        var points = TestVectors.Points(80, dimension, seed: 21);
        await harness.Client.UpsertAsync("v", points);
        var query = TestVectors.Random(new Random(5), dimension);

        var response = await harness.Client.QueryAsync("v", new QueryRequest { Query = new NearestQuery(query), Limit = 4, WithPayload = true });

        response.Points.Select(p => p.Id).Should().Equal(TestVectors.Oracle(Distance.Dot, query, points, 4).Select(e => e.Id));
        response.Points.Should().OnlyContain(p => p.Vector == null, "vectors were not asked for");
    }

    [Fact]
    public async Task Exact_search_over_thousands_of_384_dimension_vectors_finds_the_planted_neighbour()
    {
        const int dimension = 384;
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("big", new CreateCollectionRequest(new VectorParams(dimension, Distance.Cosine)));
        // 6000 × 384 components is above the server's threshold for a parallel scan.
        var points = TestVectors.Points(6_000, dimension, seed: 2024, i => new JsonObject { ["_rag_cell"] = i % 64 });
        foreach (var batch in points.Chunk(2000))
        {
            await harness.Client.UpsertAsync("big", batch);
        }

        var target = points[4_321];
        var query = target.Vector.Select((x, i) => x + (i % 2 == 0 ? 0.001f : -0.001f)).ToArray();

        var hits = await harness.Client.SearchAsync("big", new SearchRequest(query, 5));
        var filtered = await harness.Client.SearchAsync("big", new SearchRequest(query, 5)
        {
            Filter = Filter.None(Conditions.Match("_rag_cell", 4_321 % 64)),
        });

        hits[0].Id.Should().Be(target.Id);
        hits[0].Score.Should().BeApproximately(1f, 1e-3f);
        hits.Select(h => h.Id).Should().Equal(TestVectors.Oracle(Distance.Cosine, query, points, 5).Select(e => e.Id));
        filtered.Should().NotContain(hit => hit.Id == target.Id).And.HaveCount(5);
        (await harness.Client.CountAsync("big")).Should().Be(6_000);
    }
}
