using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Qdrant;
using RagOperator.Router.QdrantApi;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

/// <summary>
/// The router's Qdrant REST face, called over HTTP as Qdrant's REST clients call it. Every exchange is checked against
/// Qdrant 1.19's OpenAPI document (<see cref="QdrantRestCaller"/>), and every answer about points is compared with the
/// same call on one unsharded in-process Qdrant that holds the same points: the router spreads them over three shards.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the callers through IAsyncLifetime.DisposeAsync")]
public sealed class QdrantRestFaceTests : IAsyncLifetime
{
    private const string Key = "rest-face-key";
    private const int Dimension = 4;
    private static readonly HttpMethod Get = HttpMethod.Get;
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly string[] Uuids = [.. Enumerable.Range(1, 8).Select(i => $"00000000-0000-4000-8000-{i * 7919:D12}")];
    private ShardCluster cluster = null!;
    private TestRouter router = null!;
    private InProcessQdrantServer single = null!;
    private QdrantRestCaller routed = null!;
    private QdrantRestCaller reference = null!;

    public async Task InitializeAsync()
    {
        cluster = await ShardCluster.StartAsync(shards: 3, dimension: Dimension, distance: Distance.Cosine);
        router = await TestRouter.StartAsync(cluster, cluster.StableTable(), options => options with { ApiKey = Key });
        single = await InProcessQdrantServer.StartAsync();
        routed = new QdrantRestCaller(router.Handle.BaseUri, Key);
        reference = new QdrantRestCaller(single.BaseUri);
        await reference.ResultAsync(HttpMethod.Put, "collections/docs", """{"vectors": {"size": 4, "distance": "Cosine"}}""");
        await BothAsync(HttpMethod.Put, "collections/docs/points?wait=true", Seed().ToJsonString());
    }

    public async Task DisposeAsync()
    {
        await routed.DisposeAsync();
        await reference.DisposeAsync();
        await router.DisposeAsync();
        await single.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task Root_names_the_router_and_the_qdrant_version_it_follows_without_a_key()
    {
        await using var anonymous = new QdrantRestCaller(router.Handle.BaseUri);
        var reply = await anonymous.GetAsync("");

        reply.Status.Should().Be(HttpStatusCode.OK);
        reply.Body!["title"]!.GetValue<string>().Should().Be(QdrantCollectionView.Title);
        reply.Body["version"]!.GetValue<string>().Should().Be("1.19.0");
    }

    [Fact]
    public async Task Collection_reads_describe_the_one_collection_without_the_routers_indexes()
    {
        foreach (var server in cluster.Servers)
        {
            await using var shard = new QdrantRestCaller(server.BaseUri);
            await shard.ResultAsync(HttpMethod.Put, "collections/docs/index?wait=true", """{"field_name": "_rag_cell", "field_schema": "integer"}""");
            await shard.ResultAsync(HttpMethod.Put, "collections/docs/index?wait=true", """{"field_name": "tag", "field_schema": "keyword"}""");
        }

        var list = await routed.ResultAsync(Get, "collections");
        var info = await routed.ResultAsync(Get, "collections/docs");
        var exists = await routed.ResultAsync(Get, "collections/docs/exists");
        var otherExists = await routed.ResultAsync(Get, "collections/other/exists");
        var other = await routed.GetAsync("collections/other");

        list["collections"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).Should().Equal("docs");
        info["points_count"]!.GetValue<int>().Should().Be(40);
        info["status"]!.GetValue<string>().Should().Be("green");
        info["config"]!["params"]!["vectors"]!.ToJsonString().Should().Be("""{"size":4,"distance":"Cosine"}""");
        info["config"]!["hnsw_config"]!["m"]!.GetValue<int>().Should().BePositive();
        info["payload_schema"]!.AsObject().Select(p => p.Key).Should().Equal("tag");
        info["payload_schema"]!["tag"]!["points"]!.GetValue<int>().Should().Be(40, "every point has a tag, counted on whichever shard holds it");
        exists["exists"]!.GetValue<bool>().Should().BeTrue();
        otherExists["exists"]!.GetValue<bool>().Should().BeFalse();
        other.Status.Should().Be(HttpStatusCode.NotFound);
        other.Error.Should().Contain("Collection `other` doesn't exist").And.Contain("serves 'docs'");
    }

    [Fact]
    public async Task Queries_and_searches_return_the_same_points_in_the_same_order_as_one_unsharded_qdrant()
    {
        var random = new Random(7);
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var q = Requests.Vector(Vectors.Random(random, Dimension)).ToJsonString();
            string[] queries =
            [
                $$"""{"query": {{q}}, "limit": 5}""",
                $$"""{"query": {"nearest": {{q}}}, "limit": 7, "with_payload": true}""",
                $$"""{"query": {{q}}, "limit": 4, "offset": 3, "with_payload": ["tag"], "with_vector": true}""",
                $$$"""{"query": {{{q}}}, "limit": 6, "filter": {"must": [{"key": "group", "match": {"value": 1}}]}, "with_payload": {"exclude": ["rank"]}}""",
                $$$"""{"query": {{{q}}}, "limit": 40, "score_threshold": 0.2, "params": {"exact": true, "hnsw_ef": 64}}""",
                $$$"""{"query": {{{q}}}, "limit": 10, "filter": {"should": [{"has_id": ["{{{Uuids[0]}}}", 4]}, {"key": "rank", "range": {"gte": 10, "lt": 20}}]}, "with_payload": {"include": ["group"]}}""",
            ];
            foreach (var query in queries)
            {
                var (got, want) = await BothAsync(Post, "collections/docs/points/query", query);
                SameHits(got["points"]!, want["points"]!, query);
            }

            var (batch, batchWant) = await BothAsync(Post, "collections/docs/points/query/batch", $$"""{"searches": [{{queries[1]}}, {{queries[3]}}]}""");
            SameBatches(batch.AsArray().Select(r => r!["points"]!), batchWant.AsArray().Select(r => r!["points"]!), "query batch");

            string[] searches =
            [
                $$"""{"vector": {{q}}, "limit": 5, "with_payload": true}""",
                $$$"""{"vector": {{{q}}}, "limit": 3, "offset": 2, "filter": {"must_not": [{"key": "tag", "match": {"any": ["t0", "t3"]}}]}, "with_vector": true}""",
            ];
            foreach (var search in searches)
            {
                var (got, want) = await BothAsync(Post, "collections/docs/points/search", search);
                SameHits(got, want, search);
            }

            var top = await routed.ResultAsync(Post, "collections/docs/points/search", $$$"""{"vector": {{{q}}}, "top": 4}""");
            var limit = await reference.ResultAsync(Post, "collections/docs/points/search", $$$"""{"vector": {{{q}}}, "limit": 4}""");
            SameHits(top, limit, "'top' is the legacy name of 'limit'");

            var (searchBatch, searchBatchWant) = await BothAsync(Post, "collections/docs/points/search/batch", $$"""{"searches": [{{searches[0]}}, {{searches[1]}}]}""");
            SameBatches(searchBatch.AsArray().Select(r => r!), searchBatchWant.AsArray().Select(r => r!), "search batch");
        }
    }

    [Theory]
    [InlineData("""{"limit": 7}""")]
    [InlineData("""{"limit": 5, "filter": {"must_not": [{"key": "group", "match": {"value": 0}}]}, "with_payload": ["tag"], "with_vector": true}""")]
    [InlineData("""{"limit": 100, "with_payload": {"exclude": ["weight"]}}""")]
    [InlineData("""{"limit": 3, "with_payload": false, "filter": {"should": [{"key": "rank", "range": {"lt": 12}}, {"has_id": ["00000000-0000-4000-8000-000000015838"]}]}}""")]
    public async Task Scroll_pages_put_together_are_every_matching_point_in_the_order_of_one_unsharded_qdrant(string body)
    {
        var pages = await ScrollAllAsync(routed, body);
        var expected = await ScrollAllAsync(reference, body);

        pages.Select(Canonical).Should().Equal(expected.Select(Canonical));
        if (!body.Contains("filter", StringComparison.Ordinal))
        {
            pages.Select(p => p["id"]!.ToJsonString().Trim('"')).Should().Equal(SeedIds(), "numbers come first in ascending order, then UUIDs");
        }
    }

    [Theory]
    [InlineData("""{"exact": true}""")]
    [InlineData("""{"filter": {"must": [{"key": "tag", "match": {"any": ["t1", "t2"]}}]}}""")]
    [InlineData("""{"filter": {"must_not": [{"has_id": [1, 4, 7]}], "must": [{"key": "weight", "range": {"gt": 1.5}}]}, "exact": false}""")]
    public async Task Counts_equal_one_unsharded_qdrant(string body)
    {
        var (got, want) = await BothAsync(Post, "collections/docs/points/count", body);

        got["count"]!.GetValue<long>().Should().Be(want["count"]!.GetValue<long>()).And.BePositive();
    }

    [Theory]
    [InlineData("""{"ids": [1, "00000000-0000-4000-8000-000000007919", 999, 4]}""")]
    [InlineData("""{"ids": [7, 10, "00000000-0000-4000-8000-000000023757"], "with_payload": false, "with_vector": true}""")]
    [InlineData("""{"ids": [13, 16], "with_payload": {"include": ["rank", "weight"]}, "with_vector": false}""")]
    public async Task Retrieve_returns_the_points_one_unsharded_qdrant_returns(string body)
    {
        var (got, want) = await BothAsync(Post, "collections/docs/points", body);

        got.AsArray().Select(Canonical).Should().Equal(want.AsArray().Select(Canonical));
        got.AsArray().Should().NotBeEmpty();
        var one = await routed.ResultAsync(Get, "collections/docs/points/" + Uuids[1]);
        one["payload"]!["rank"]!.GetValue<int>().Should().Be(33);
        var missing = await routed.GetAsync("collections/docs/points/999");
        missing.Status.Should().Be(HttpStatusCode.NotFound);
        missing.Error.Should().Be("Not found: No point with id 999 found");
    }

    [Fact]
    public async Task Payload_changes_and_deletes_leave_the_points_as_on_one_unsharded_qdrant()
    {
        string[] changes =
        [
            $$$"""{"payload": {"color": "red", "meta": {"n": [1, 2]}}, "points": [1, "{{{Uuids[2]}}}"]}""",
            """{"payload": {"flag": true}, "filter": {"must": [{"key": "group", "match": {"value": 2}}]}}""",
        ];
        foreach (var change in changes)
        {
            (await BothAsync(Post, "collections/docs/points/payload?wait=true", change)).Routed["status"]!.GetValue<string>().Should().Be("completed");
        }

        await BothAsync(Post, "collections/docs/points/payload/delete", """{"keys": ["rank"], "points": [4, 7]}""");
        await BothAsync(Post, "collections/docs/points/payload/delete", """{"keys": ["tag", "weight"], "filter": {"must": [{"key": "flag", "match": {"value": true}}]}}""");
        await BothAsync(Post, "collections/docs/points/delete?wait=true", $$"""{"points": [10, "{{Uuids[3]}}"]}""");
        await BothAsync(Post, "collections/docs/points/delete", """{"filter": {"must": [{"key": "group", "match": {"value": 0}}, {"key": "rank", "range": {"lt": 10}}]}}""");

        var all = """{"limit": 100, "with_vector": true}""";
        (await ScrollAllAsync(routed, all)).Select(Canonical).Should().Equal((await ScrollAllAsync(reference, all)).Select(Canonical));
        cluster.TotalPoints().Should().Be(single.Collections.PointCount("docs"));
    }

    [Fact]
    public async Task Upsert_takes_the_list_and_batch_forms_and_answers_completed_even_when_not_asked_to_wait()
    {
        var list = $$$"""{"points": [{"id": 500, "vector": [0.1, 0.2, 0.3, 0.4], "payload": {"kind": "list"}}, {"id": "{{{Uuids[7]}}}", "vector": [1, 0, 0, 0]}]}""";
        var batch = """{"batch": {"ids": [501, "6f1c0de2-1111-4a5b-9c3d-0123456789ab"], "vectors": [[0, 1, 0, 0], [0, 0, 1, 1]], "payloads": [{"kind": "batch"}, null]}}""";

        var listed = await routed.PutAsync("collections/docs/points?wait=false", list);
        var batched = await routed.PutAsync("collections/docs/points", batch);
        await reference.PutAsync("collections/docs/points", list);
        await reference.PutAsync("collections/docs/points", batch);

        listed.Result!["status"]!.GetValue<string>().Should().Be("completed", "the router answers once every shard applied the write");
        batched.Result!["status"]!.GetValue<string>().Should().Be("completed");
        var ids = $$"""{"ids": [500, 501, "{{Uuids[7]}}", "6f1c0de2-1111-4a5b-9c3d-0123456789ab"], "with_vector": true}""";
        var (got, want) = await BothAsync(Post, "collections/docs/points", ids);
        got.AsArray().Select(Canonical).Should().Equal(want.AsArray().Select(Canonical)).And.HaveCount(4);
    }

    [Fact]
    public async Task Returned_payloads_never_show_the_routers_own_fields()
    {
        cluster.PointsOn(0).Values.First().Payload.Select(p => p.Key).Should().Contain(k => k.StartsWith("_rag_", StringComparison.Ordinal),
            "the shards hold the routing fields the router hides");
        var q = Requests.Vector(Vectors.Random(new Random(3), Dimension)).ToJsonString();

        JsonNode[] replies =
        [
            await routed.ResultAsync(Post, "collections/docs/points/scroll", """{"limit": 100}"""),
            await routed.ResultAsync(Post, "collections/docs/points/query", $$"""{"query": {{q}}, "limit": 40, "with_payload": true}"""),
            await routed.ResultAsync(Post, "collections/docs/points/search", $$$"""{"vector": {{{q}}}, "limit": 40, "with_payload": {"exclude": ["tag"]}}"""),
            await routed.ResultAsync(Post, "collections/docs/points", """{"ids": [1, 4, 7, 10]}"""),
            await routed.ResultAsync(Get, "collections/docs/points/4"),
        ];

        replies.Select(r => r.ToJsonString()).Should().AllSatisfy(text => text.Should().NotContain("_rag_").And.Contain("\"payload\""));
    }

    [Theory]
    [InlineData("PUT", "points", """{"points": [{"id": 900, "vector": [1, 2, 3, 4], "payload": {"_rag_x": 1}}]}""", "points[0].payload._rag_x is reserved")]
    [InlineData("PUT", "points", """{"batch": {"ids": [900, 901], "vectors": [[1, 2, 3, 4], [4, 3, 2, 1]], "payloads": [null, {"ok": 1, "_rag_cell": 0}]}}""", "._rag_cell is reserved")]
    [InlineData("POST", "points/payload", """{"payload": {"_rag_v": 99}, "points": [1]}""", "payload._rag_v is reserved")]
    [InlineData("POST", "points/payload/delete", """{"keys": ["_rag_cell"], "filter": {"must": [{"key": "group", "match": {"value": 1}}]}}""", "keys._rag_cell is reserved")]
    [InlineData("PUT", "points", """{"points": [{"id": 900, "vector": [1, 2, 3]}]}""", "expected dim: 4, got 3")]
    [InlineData("PUT", "points", """{"batch": {"ids": [900, 901], "vectors": [[1, 2, 3, 4], [1, 2, 3, 4, 5]]}}""", "expected dim: 4, got 5")]
    public async Task Writes_of_router_fields_or_vectors_of_another_dimension_are_refused_and_write_nothing(string method, string path, string body, string message)
    {
        var before = await ScrollAllAsync(routed, """{"limit": 100, "with_vector": true}""");

        var reply = await routed.SendAsync(new HttpMethod(method), "collections/docs/" + path, body);

        reply.Status.Should().Be(HttpStatusCode.BadRequest);
        reply.Error.Should().Contain(message);
        (await ScrollAllAsync(routed, """{"limit": 100, "with_vector": true}""")).Select(Canonical).Should().Equal(before.Select(Canonical));
    }

    [Theory]
    [InlineData("PUT", "points", """{"points": [{"id": 900, "vector": [1, 2, 3, 4]}""", "the request body is not valid JSON")]
    [InlineData("PUT", "points", """[{"id": 900, "vector": [1, 2, 3, 4]}]""", "the request body must be a JSON object, not a JSON array")]
    [InlineData("PUT", "points", """{"points": {"id": 900}}""", "points must be an array, not a JSON object")]
    [InlineData("PUT", "points", """{"points": [{"id": -1, "vector": [1, 2, 3, 4]}]}""", "points[0].id is -1; a point id is an unsigned integer or a UUID string")]
    [InlineData("PUT", "points", """{"points": [{"id": "not-a-uuid", "vector": [1, 2, 3, 4]}]}""", "points[0].id is \"not-a-uuid\"")]
    [InlineData("PUT", "points", """{"points": [{"id": 900, "vector": [1, "a", 3, 4]}]}""", "points[0].vector[1] must be a number, not \"a\"")]
    [InlineData("PUT", "points", """{"points": [{"id": 900}]}""", "missing field `points[0].vector`")]
    [InlineData("PUT", "points", """{"batch": {"ids": [900, 901], "vectors": [[1, 2, 3, 4]]}}""", "batch.vectors has 1 entries and batch.ids 2")]
    [InlineData("POST", "points/delete", """{"points": [1], "filter": {"must": []}}""", "send either 'points' (a list of ids) or 'filter', not both")]
    [InlineData("POST", "points/payload", """{"payload": [1], "points": [1]}""", "payload must be a JSON object, not a JSON array")]
    [InlineData("POST", "points/query", """{"query": [1, 0, 0, 0], "limit": "ten"}""", "limit must be an unsigned integer, not \"ten\"")]
    [InlineData("POST", "points/query", """{"query": [1, 0, 0, 0], "filter": {"must": [{"key": "a", "match": {"value": 1.5}}]}}""", "filter is not a filter the router reads")]
    [InlineData("POST", "points/search", """{"vector": [1, 0, 0, 0]}""", "missing field `limit`")]
    [InlineData("POST", "points/scroll", """{"limit": 3, "offset": {"id": 1}}""", "offset is a JSON object; a point id is")]
    public async Task Malformed_bodies_are_refused_with_a_message_saying_what_is_wrong_and_write_nothing(string method, string path, string body, string message)
    {
        var reply = await routed.SendAsync(new HttpMethod(method), "collections/docs/" + path, body, conforming: false);

        reply.Status.Should().Be(HttpStatusCode.BadRequest);
        reply.Error.Should().StartWith("Format error in JSON body: ").And.Contain(message);
        cluster.TotalPoints().Should().Be(40);
    }

    [Theory]
    [InlineData("""{"query": [1, 0, 0, 0], "prefetch": [{"query": [0, 1, 0, 0]}]}""", "queries with 'prefetch'")]
    [InlineData("""{"query": {"recommend": {"positive": [1]}}}""", "the 'recommend' query is not served by the router")]
    [InlineData("""{"query": 4}""", "a query by point id is not served by the router")]
    [InlineData("""{"query": {"nearest": [1, 0, 0, 0], "mmr": {"diversity": 0.5}}}""", "the 'nearest with mmr' query is not served")]
    [InlineData("""{"query": [1, 0, 0, 0], "using": "image"}""", "Not existing vector name error: image")]
    [InlineData("""{"query": [1, 0, 0]}""", "expected dim: 4, got 3")]
    [InlineData("""{"limit": 3}""", "a query without 'query' is not served by the router")]
    public async Task Query_forms_the_router_does_not_serve_are_refused_with_what_to_send_instead(string body, string message)
    {
        var reply = await routed.PostAsync("collections/docs/points/query", body);

        reply.Status.Should().Be(HttpStatusCode.BadRequest);
        reply.Error.Should().Contain(message);
    }

    [Theory]
    [InlineData("PUT", "collections/docs", """{"vectors": {"size": 4, "distance": "Dot"}}""", "create_collection", QdrantCollectionView.CreateInstead)]
    [InlineData("PATCH", "collections/docs", """{"optimizers_config": {"indexing_threshold": 100}}""", "update_collection", QdrantCollectionView.UpdateInstead)]
    [InlineData("DELETE", "collections/docs", null, "delete_collection", QdrantCollectionView.DeleteInstead)]
    [InlineData("PUT", "collections/docs/index", """{"field_name": "tag", "field_schema": "keyword"}""", "create_field_index", QdrantCollectionView.IndexesInstead)]
    [InlineData("DELETE", "collections/docs/index/tag", null, "delete_field_index", QdrantCollectionView.IndexesInstead)]
    [InlineData("POST", "collections/aliases", """{"actions": [{"create_alias": {"collection_name": "docs", "alias_name": "a"}}]}""", "update_aliases", QdrantCollectionView.AliasesInstead)]
    [InlineData("POST", "collections/docs/snapshots", null, "create_snapshot", QdrantCollectionView.SnapshotsInstead)]
    [InlineData("GET", "collections/docs/snapshots", null, "list_snapshots", QdrantCollectionView.SnapshotsInstead)]
    [InlineData("PUT", "collections/docs/snapshots/recover", """{"location": "http://backup/docs.snapshot"}""", "recover_snapshot", QdrantCollectionView.SnapshotsInstead)]
    [InlineData("DELETE", "collections/docs/snapshots/s1", null, "delete_snapshot", QdrantCollectionView.SnapshotsInstead)]
    [InlineData("GET", "cluster", null, "cluster_status", QdrantCollectionView.ClusterInstead)]
    [InlineData("POST", "collections/docs/cluster", """{"move_shard": {"shard_id": 0, "from_peer_id": 1, "to_peer_id": 2}}""", "update_collection_cluster", QdrantCollectionView.ClusterInstead)]
    [InlineData("PUT", "collections/docs/points/payload", """{"payload": {"a": 1}, "points": [1]}""", null, "")]
    [InlineData("POST", "collections/docs/points/payload/clear", """{"points": [1]}""", null, "")]
    public async Task Collection_management_and_payload_replacement_are_refused_with_what_to_do_instead(string method, string path, string? body, string? call, string instead)
    {
        var reply = await routed.SendAsync(new HttpMethod(method), path, body);

        if (call is null)
        {
            var replacement = path.EndsWith("clear", StringComparison.Ordinal) ? "clear_payload" : "overwrite_payload";
            reply.Status.Should().Be(HttpStatusCode.BadRequest);
            reply.Error.Should().Be(QdrantWrites.PayloadReplacementRefused(replacement).Error.Message);
        }
        else
        {
            reply.Status.Should().Be(HttpStatusCode.Forbidden);
            reply.Error.Should().Be($"{call} is not served by the router: collection 'docs' belongs to VectorCollection default/docs. {instead}");
        }

        (await routed.ResultAsync(Post, "collections/docs/points/count", "{}"))["count"]!.GetValue<int>().Should().Be(40);
    }

    [Fact]
    public async Task A_missing_or_wrong_key_is_401_and_another_collection_is_404_before_the_body_is_judged()
    {
        await using var anonymous = new QdrantRestCaller(router.Handle.BaseUri);
        await using var guessing = new QdrantRestCaller(router.Handle.BaseUri, "guess");

        var missing = await anonymous.PutAsync("collections/docs/points", """{"points": [{"id": 900, "vector": [1, 2, 3, 4]}]}""");
        var wrong = await guessing.PostAsync("collections/docs/points/query", "{not json", conforming: false);
        var other = await routed.PostAsync("collections/other/points/query", "{not json", conforming: false);
        var listing = await anonymous.GetAsync("collections");

        missing.Status.Should().Be(HttpStatusCode.Unauthorized);
        missing.Error.Should().Be("missing API key: send it as 'api-key: <key>' or 'Authorization: Bearer <key>'");
        wrong.Status.Should().Be(HttpStatusCode.Unauthorized);
        wrong.Error.Should().Be("invalid API key");
        other.Status.Should().Be(HttpStatusCode.NotFound);
        listing.Status.Should().Be(HttpStatusCode.Unauthorized);
        cluster.TotalPoints().Should().Be(40);
    }

    [Fact]
    public async Task The_rag_nprobe_header_is_read_by_searches_and_queries()
    {
        var headers = new Dictionary<string, string> { [QdrantFace.NprobeHeader] = "lots" };
        var all = new Dictionary<string, string> { [QdrantFace.NprobeHeader] = "all" };

        var query = await routed.SendAsync(Post, "collections/docs/points/query", """{"query": [1, 0, 0, 0]}""", headers: headers);
        var search = await routed.SendAsync(Post, "collections/docs/points/search", """{"vector": [1, 0, 0, 0], "limit": 3}""", conforming: false, headers: headers);
        var everywhere = await routed.SendAsync(Post, "collections/docs/points/query", """{"query": [1, 0, 0, 0]}""", headers: all);

        query.Status.Should().Be(HttpStatusCode.BadRequest);
        query.Error.Should().Contain("header rag-nprobe is 'lots'");
        search.Status.Should().Be(HttpStatusCode.BadRequest);
        everywhere.Status.Should().Be(HttpStatusCode.OK);
        everywhere.Result!["points"]!.AsArray().Should().HaveCount(10, "Qdrant's default limit is 10");
    }

    [Fact]
    public async Task The_timeout_and_wait_query_parameters_are_accepted_and_checked()
    {
        var timed = await routed.PostAsync("collections/docs/points/scroll?timeout=5", """{"limit": 2}""");
        var untimed = await routed.PostAsync("collections/docs/points/count?timeout=0", "{}");
        var unsure = await routed.PutAsync("collections/docs/points?wait=maybe", """{"points": [{"id": 900, "vector": [1, 2, 3, 4]}]}""");

        timed.Status.Should().Be(HttpStatusCode.OK);
        untimed.Status.Should().Be(HttpStatusCode.BadRequest);
        untimed.Error.Should().Contain("timeout is '0'; it must be a whole number of seconds, 1 or more");
        unsure.Status.Should().Be(HttpStatusCode.BadRequest);
        unsure.Error.Should().Contain("wait is 'maybe'; it must be true or false");
        cluster.TotalPoints().Should().Be(40);
    }

    /// <summary>40 points: numbered ids 1, 4, .., 94 and eight UUIDs, with integer, string and fractional payload values.</summary>
    private static JsonObject Seed()
    {
        var random = new Random(42);
        var points = new JsonArray();
        for (var i = 0; i < 40; i++)
        {
            JsonNode id = i < 32 ? JsonValue.Create((i * 3) + 1) : JsonValue.Create(Uuids[i - 32]);
            var payload = new JsonObject { ["group"] = i % 3, ["tag"] = $"t{i % 4}", ["rank"] = i, ["weight"] = i * 0.25, ["nested"] = new JsonObject { ["a"] = i } };
            points.Add(new JsonObject { ["id"] = id, ["vector"] = Requests.Vector(Vectors.Random(random, Dimension)), ["payload"] = payload });
        }

        return new JsonObject { ["points"] = points };
    }

    private static IEnumerable<string> SeedIds() =>
        Enumerable.Range(0, 32).Select(i => ((i * 3) + 1).ToString(CultureInfo.InvariantCulture)).Concat(Uuids.Order(StringComparer.Ordinal));

    private async Task<(JsonNode Routed, JsonNode Single)> BothAsync(HttpMethod method, string path, string body) =>
        (await routed.ResultAsync(method, path, body), await reference.ResultAsync(method, path, body));

    private static async Task<List<JsonNode>> ScrollAllAsync(QdrantRestCaller caller, string body)
    {
        var points = new List<JsonNode>();
        var request = JsonNode.Parse(body)!.AsObject();
        for (var page = 0; page < 100; page++)
        {
            var result = await caller.ResultAsync(Post, "collections/docs/points/scroll", request.ToJsonString());
            points.AddRange(result["points"]!.AsArray().Select(p => p!.DeepClone()));
            if (result["next_page_offset"] is not { } next)
            {
                return points;
            }

            request["offset"] = next.DeepClone();
        }

        throw new InvalidOperationException("scroll did not end within 100 pages");
    }

    private static void SameHits(JsonNode got, JsonNode want, string because)
    {
        var hits = got.AsArray();
        var expected = want.AsArray();
        hits.Select(h => h!["id"]!.ToJsonString()).Should().Equal(expected.Select(h => h!["id"]!.ToJsonString()), because);
        for (var i = 0; i < hits.Count; i++)
        {
            hits[i]!["score"]!.GetValue<double>().Should().BeApproximately(expected[i]!["score"]!.GetValue<double>(), 1e-5, because);
            Canonical(Without(hits[i]!, "score", "version")).Should().Be(Canonical(Without(expected[i]!, "score", "version")), because);
        }
    }

    private static void SameBatches(IEnumerable<JsonNode> got, IEnumerable<JsonNode> want, string because)
    {
        var pairs = got.Zip(want).ToList();
        pairs.Should().HaveCount(2, because);
        foreach (var (hits, expected) in pairs)
        {
            SameHits(hits, expected, because);
        }
    }

    private static JsonNode Without(JsonNode point, params string[] names)
    {
        var copy = point.DeepClone().AsObject();
        foreach (var name in names)
        {
            copy.Remove(name);
        }

        return copy;
    }

    /// <summary>A point as text with object keys sorted and vector components rounded, so equal points read alike.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => "{" + string.Join(",", obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray array => "[" + string.Join(",", array.Select(Canonical)) + "]",
        JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.Number && value.ToJsonString().Contains('.', StringComparison.Ordinal) =>
            Math.Round(value.GetValue<double>(), 5).ToString(CultureInfo.InvariantCulture),
        null => "null",
        _ => node.ToJsonString(),
    };
}
