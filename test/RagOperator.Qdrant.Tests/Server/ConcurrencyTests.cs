using System.Text.Json.Nodes;
using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Grpc;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Server;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Concurrent_writers_deleters_and_searchers_leave_exactly_the_surviving_points()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;
        await client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(16, Distance.Cosine)));
        const int writers = 4;
        const int perWriter = 200;

        var writes = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var points = TestVectors.Points(perWriter, 16, seed: w, i => new JsonObject { ["writer"] = w, ["i"] = i })
                .Select(p => p with { Id = PointId.FromNumber((ulong)(w * perWriter) + p.Id.Number) }).ToList();
            foreach (var batch in points.Chunk(20))
            {
                await client.UpsertAsync("c", batch);
            }

            // Every writer deletes its own even-numbered points again.
            await client.DeleteByFilterAsync("c", Filter.All(Conditions.Match("writer", w), Conditions.MatchAny("i", Enumerable.Range(0, perWriter).Where(i => i % 2 == 0).Select(i => (long)i))));
        })).ToList();
        var searches = Enumerable.Range(0, 2).Select(s => Task.Run(async () =>
        {
            var random = new Random(s);
            for (var q = 0; q < 30; q++)
            {
                var hits = await client.SearchAsync("c", new SearchRequest(TestVectors.Random(random, 16), 5) { WithPayload = true });
                // Early searches may run before the first write lands; whatever they see must be whole points.
                hits.Should().OnlyHaveUniqueItems(hit => hit.Id);
                hits.All(hit => hit.Payload!["writer"] != null).Should().BeTrue();
                var page = await client.ScrollAsync("c", new ScrollRequest { Limit = 50 });
                page.Points.Select(p => p.Id).Should().BeInAscendingOrder();
            }
        })).ToList();

        await Task.WhenAll(writes.Concat(searches));

        (await client.CountAsync("c")).Should().Be(writers * perWriter / 2);
        harness.Server.Collections.GetPoints("c").Should().OnlyContain(p => p.Payload["i"]!.GetValue<int>() % 2 == 1);
    }

    [Fact]
    public async Task One_factory_serves_clients_for_several_shards_over_one_connection_pool()
    {
        await using var shardA = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { ApiKey = "a" });
        await using var shardB = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { ApiKey = "b" });
        using var http = new HttpClient();
        using var channels = new QdrantChannels();
        var grpc = new Dictionary<int, Uri> { [shardA.BaseUri.Port] = shardA.GrpcUri, [shardB.BaseUri.Port] = shardB.GrpcUri };
        var factory = new QdrantClientFactory(http, channels, new QdrantClientOptions { BaseUri = new Uri("http://template/"), MaxRetries = 1 }, rest => grpc[rest.Port]);

        var a = factory.Create(shardA.BaseUri, "a");
        var b = factory.Create(shardB.BaseUri, "b");
        await a.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        await b.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        await a.UpsertAsync("c", [new PointStruct(1, [1, 0])]);

        a.BaseUri.Should().Be(shardA.BaseUri);
        shardA.Collections.PointCount("c").Should().Be(1);
        shardB.Collections.PointCount("c").Should().Be(0);
    }
}
