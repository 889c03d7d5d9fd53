using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

/// <summary>Every bad request gets a 400 (or 404) naming the problem, and the shards are untouched afterwards.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Good = "[0.1, 0.2, 0.3]";
    private ShardCluster cluster = null!;
    private TestRouter router = null!;

    public static TheoryData<string, string, string, string?, string> Cases() => new()
    {
        // endpoint, body, expected message fragment, expected field, case name
        { "upsert", $$$"""{"points":[{"id":1,"vector":[0.1,0.2]}]}""", "has dimension 2, expected 3", "points[0].vector", "wrong dimension" },
        { "upsert", $$$"""{"points":[{"id":1,"vector":{{{Good}}}},{"id":2,"vector":[0.1,"NaN",0.3]}]}""", "is NaN", "points[1].vector[1]", "NaN component" },
        { "upsert", $$$"""{"points":[{"id":1,"vector":[0.1,1e39,0.3]}]}""", "outside the 32-bit float range", "points[0].vector[1]", "component overflowing to Infinity" },
        { "upsert", $$$"""{"points":[{"id":1,"vector":[0.1,"-Infinity",0.3]}]}""", "is -Infinity", "points[0].vector[1]", "infinite component" },
        { "upsert", $$$"""{"points":[{"vector":{{{Good}}}}]}""", "points[0].id is missing", "points[0].id", "missing id" },
        { "upsert", $$$"""{"points":[{"id":-5,"vector":{{{Good}}}}]}""", "is negative", "points[0].id", "negative id" },
        { "upsert", $$$"""{"points":[{"id":"not-a-uuid","vector":{{{Good}}}}]}""", "neither an unsigned 64-bit integer nor a UUID", "points[0].id", "malformed uuid" },
        { "upsert", $$$"""{"points":[{"id":18446744073709551616,"vector":{{{Good}}}}]}""", "exceeds the largest unsigned 64-bit integer", "points[0].id", "id above 2^64-1" },
        { "upsert", $$$"""{"points":[{"id":1.5,"vector":{{{Good}}}}]}""", "is not an integer", "points[0].id", "fractional id" },
        { "upsert", $$$"""{"points":[{"id":7,"vector":{{{Good}}}},{"id":8,"vector":{{{Good}}}},{"id":7,"vector":{{{Good}}}}]}""", "points[2].id 7 repeats points[0].id", "points[2].id", "duplicate ids" },
        { "upsert", """{"points":[]}""", "points is empty", "points", "empty batch" },
        { "upsert", $$$"""{"points":[{"id":1,"vector":{{{Good}}},"payload":{"_rag_cell":3}}]}""", "is reserved", "points[0].payload._rag_cell", "reserved payload key _rag_cell" },
        { "upsert", $$$"""{"points":[{"id":1,"vector":{{{Good}}},"payload":{"_rag_v":3}}]}""", "is reserved", "points[0].payload._rag_v", "reserved payload key _rag_v" },
        { "upsert", $$$"""{"points":[{"id":1,"vector":{{{Good}}},"payload":[1,2]}]}""", "must be a JSON object, not a array", "points[0].payload", "payload not an object" },
        { "upsert", """{"points":[{"id":1,"vector":"0.1,0.2,0.3"}]}""", "must be an array of numbers, not a string", "points[0].vector", "vector of the wrong type" },
        { "upsert", """{"points":{"id":1}}""", "points must be an array", "points", "points not an array" },
        { "upsert", """{"points":[{"id":1,"vector":[0.1,0.2,0.3]}""", "not valid JSON", null, "truncated JSON" },
        { "upsert", """not json at all""", "not valid JSON", null, "body that is not JSON" },
        { "upsert", $$$"""{"points":[{"id":1,"vectors":{{{Good}}}}]}""", "unknown field 'vectors'", "points[0].vectors", "misspelt field" },
        { "search", $$$"""{"vector":{{{Good}}},"top_k":0}""", "top_k 0 is outside 1..1000", "top_k", "top_k zero" },
        { "search", $$$"""{"vector":{{{Good}}},"top_k":1001}""", "top_k 1001 is outside 1..1000", "top_k", "top_k above the limit" },
        { "search", $$$"""{"vector":{{{Good}}},"top_k":"ten"}""", "top_k must be an integer, not a string", "top_k", "top_k of the wrong type" },
        { "search", $$$"""{"vector":{{{Good}}},"top_k":2.5}""", "top_k must be an integer, not 2.5", "top_k", "fractional top_k" },
        { "search", """{"vector":[1,2],"top_k":3}""", "has dimension 2, expected 3", "vector", "query of the wrong dimension" },
        { "search", """{"top_k":3}""", "vector is missing", "vector", "missing query vector" },
        { "search", $$$"""{"vector":{{{Good}}},"filter":{"musst":[]}}""", "filter is not a valid Qdrant filter: Unknown filter field `musst`", "filter", "malformed filter" },
        { "search", $$$"""{"vector":{{{Good}}},"filter":{"must":[{"key":"a"}]}}""", "rejected the search: Validation error", "filter", "filter the shards refuse" },
        { "search", $$$"""{"vector":{{{Good}}},"timeout_ms":0}""", "timeout_ms 0 is outside", "timeout_ms", "zero timeout" },
        { "search", $$$"""{"vector":{{{Good}}},"limit":5}""", "unknown field 'limit' (the number of results is 'top_k')", "limit", "Qdrant's limit instead of top_k" },
        { "search", """[1,2,3]""", "must be a JSON object, not a array", null, "body that is an array" },
        { "batch", """{"searches":[]}""", "searches is empty", "searches", "empty search batch" },
        { "batch", $$$"""{"searches":[{"vector":{{{Good}}},"top_k":5},{"vector":[1],"top_k":5}]}""", "has dimension 1, expected 3", "searches[1].vector", "bad query inside a batch" },
        { "delete", """{"ids":[1,-2]}""", "is negative", "ids[1]", "negative id in a delete" },
        { "delete", """{"ids":[]}""", "ids is empty", "ids", "empty delete" },
        { "delete", """{"ids":[3,3]}""", "ids[1] 3 repeats ids[0]", "ids[1]", "duplicate ids in a delete" },
    };

    public async Task InitializeAsync()
    {
        cluster = await ShardCluster.StartAsync(shards: 2, dimension: 3, distance: Distance.Dot);
        router = await TestRouter.StartAsync(cluster, cluster.StableTable(), options => options with { MaxWriteBatch = 5 });
    }

    public async Task DisposeAsync()
    {
        await router.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_a_400_naming_the_problem_and_writes_nothing(string endpoint, string body, string message, string? field, string name)
    {
        var path = endpoint switch
        {
            "upsert" => "v1/collections/docs/points",
            "search" => "v1/collections/docs/points/search",
            "batch" => "v1/collections/docs/points/search/batch",
            _ => "v1/collections/docs/points/delete",
        };
        var reply = await router.Client.SendAsync(endpoint == "upsert" ? HttpMethod.Put : HttpMethod.Post, path, body);

        reply.Status.Should().Be(HttpStatusCode.BadRequest, $"{name}: {reply.Text}");
        reply.Error.Should().Contain(message, name);
        reply.Field.Should().Be(field, name);
        cluster.TotalPoints().Should().Be(0, $"{name}: nothing may be written");
    }

    [Fact]
    public async Task A_batch_larger_than_the_limit_is_refused_whole()
    {
        var points = Enumerable.Range(1, 6).Select(i => Requests.Point((ulong)i, [0.1f, 0.2f, 0.3f]));
        var reply = await router.Client.UpsertAsync(Requests.Upsert(points));

        reply.Status.Should().Be(HttpStatusCode.BadRequest);
        reply.Error.Should().Be("points has 6 entries; at most 5 are allowed in one request, split the batch");
        cluster.TotalPoints().Should().Be(0);
    }

    [Fact]
    public async Task One_bad_point_at_the_end_of_a_batch_keeps_the_good_ones_before_it_from_being_written()
    {
        var body = Requests.Upsert([
            Requests.Point(1, [0.1f, 0.2f, 0.3f]),
            Requests.Point(2, [0.1f, 0.2f, 0.3f]),
            new JsonObject { ["id"] = 3, ["vector"] = new JsonArray(0.1f, 0.2f) },
        ]);
        var reply = await router.Client.UpsertAsync(body);

        reply.Status.Should().Be(HttpStatusCode.BadRequest);
        reply.Field.Should().Be("points[2].vector");
        cluster.TotalPoints().Should().Be(0);
    }

    [Fact]
    public async Task An_unknown_collection_gets_a_404_naming_it()
    {
        var reply = await router.Client.SendAsync(HttpMethod.Post, "v1/collections/other/points/search", """{"vector":[1,2,3]}""");

        reply.Status.Should().Be(HttpStatusCode.NotFound);
        reply.Error.Should().Be("collection 'other' is not served by this router; it serves 'docs'");
        reply.Field.Should().Be("collection");
    }

    [Fact]
    public async Task The_same_request_is_accepted_once_the_problem_is_fixed()
    {
        var reply = await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [0.1f, 0.2f, 0.3f])]));

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        cluster.TotalPoints().Should().Be(1);
    }
}
