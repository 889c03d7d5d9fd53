using FluentAssertions;
using Qdrant.Client.Grpc;
using RagOperator.Router.Tests.Support;
using Xunit;
using static Qdrant.Client.Grpc.Conditions;
using Vectors = RagOperator.Router.Tests.Support.Vectors;
using GrpcDistance = global::Qdrant.Client.Grpc.Distance;
using GrpcRange = global::Qdrant.Client.Grpc.Range;

namespace RagOperator.Router.Tests;

/// <summary>
/// The official <c>Qdrant.Client</c> against a router's gRPC port, each answer compared with the same call against one
/// unsharded Qdrant holding the same points.
/// </summary>
public sealed class QdrantGrpcFaceTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private TwinCollections twins = null!;
    private List<PointStruct> points = null!;

    public async Task InitializeAsync()
    {
        twins = await TwinCollections.StartAsync(shards: 3, dimension: Dimension);
        points = TwinCollections.Points(240, Dimension, seed: 7);
        await twins.UpsertBothAsync(points);
    }

    public async Task DisposeAsync() => await twins.DisposeAsync();

    [Fact]
    public async Task Upserts_through_the_router_place_every_point_on_exactly_one_shard_without_router_fields_in_reads()
    {
        twins.Cluster.TotalPoints().Should().Be(points.Count);
        var ids = twins.Cluster.Servers.SelectMany((_, shard) => twins.Cluster.PointsOn(shard).Keys).ToList();
        ids.Should().OnlyHaveUniqueItems().And.HaveCount(points.Count);

        var all = await twins.AllAsync(twins.ViaRouter);
        all.Should().Equal(await twins.AllAsync(twins.Direct));
        all.Should().NotContain(text => text.Contains("_rag_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Searches_and_queries_return_the_global_top_hits_of_one_qdrant()
    {
        var random = new Random(11);
        for (var q = 0; q < 15; q++)
        {
            var vector = Vectors.Random(random, Dimension);
            Filter? filter = q % 3 == 0 ? new Filter { Should = { MatchKeyword("name", "nothing"), Match("group", q % 4) } } : null;
            var offset = (ulong)(q % 4);
            var threshold = q % 5 == 0 ? 0.1f : (float?)null;
            var payload = q % 2 == 0 ? new WithPayloadSelector { Enable = true } : new WithPayloadSelector { Include = new PayloadIncludeSelector { Fields = { "name" } } };
            var withVectors = new WithVectorsSelector { Enable = q % 4 == 1 };

#pragma warning disable CS0618 // The deprecated search call: clients still send it.
            var searched = await twins.ViaRouter.SearchAsync(twins.Collection, vector, filter, limit: 9, offset: offset, payloadSelector: payload, vectorsSelector: withVectors, scoreThreshold: threshold);
            var expected = await twins.Direct.SearchAsync(twins.Collection, vector, filter, limit: 9, offset: offset, payloadSelector: payload, vectorsSelector: withVectors, scoreThreshold: threshold);
#pragma warning restore CS0618
            TwinCollections.Text(searched).Should().Equal(TwinCollections.Text(expected), $"search {q}");

            var queried = await twins.ViaRouter.QueryAsync(twins.Collection, vector, filter: filter, limit: 9, offset: offset, payloadSelector: payload, vectorsSelector: withVectors, scoreThreshold: threshold);
            var oracle = await twins.Direct.QueryAsync(twins.Collection, vector, filter: filter, limit: 9, offset: offset, payloadSelector: payload, vectorsSelector: withVectors, scoreThreshold: threshold);
            TwinCollections.Text(queried).Should().Equal(TwinCollections.Text(oracle), $"query {q}");
            queried.Should().NotBeEmpty();
        }
    }

    [Fact]
    public async Task Batches_answer_each_search_and_query_in_request_order()
    {
        var random = new Random(12);
        var vectors = Enumerable.Range(0, 4).Select(_ => Vectors.Random(random, Dimension)).ToList();
        var searches = vectors.Select((v, i) => new SearchPoints { Vector = { v }, Limit = (ulong)(3 + i), WithPayload = new WithPayloadSelector { Enable = true } }).ToList();
        var queries = vectors.Select((v, i) => new QueryPoints { Query = v, Limit = (ulong)(2 + i), Filter = Match("group", i) }).ToList();

#pragma warning disable CS0618 // The deprecated search call: clients still send it.
        var searched = await twins.ViaRouter.SearchBatchAsync(twins.Collection, searches);
        var expected = await twins.Direct.SearchBatchAsync(twins.Collection, searches);
#pragma warning restore CS0618
        searched.Select(b => TwinCollections.Text(b.Result)).Should().BeEquivalentTo(expected.Select(b => TwinCollections.Text(b.Result)), o => o.WithStrictOrdering());

        var queried = await twins.ViaRouter.QueryBatchAsync(twins.Collection, queries);
        var oracle = await twins.Direct.QueryBatchAsync(twins.Collection, queries);
        queried.Select(b => TwinCollections.Text(b.Result)).Should().BeEquivalentTo(oracle.Select(b => TwinCollections.Text(b.Result)), o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(7u)]
    [InlineData(64u)]
    [InlineData(1000u)]
    public async Task Scroll_pages_across_shards_neither_skip_nor_repeat_points(uint pageSize)
    {
        (await twins.AllAsync(twins.ViaRouter, pageSize)).Should().Equal(await twins.AllAsync(twins.Direct, pageSize));
        var filter = Match("group", 2) | Range("rank", new GrpcRange { Lt = 30 });
        (await twins.AllAsync(twins.ViaRouter, pageSize, filter)).Should().Equal(await twins.AllAsync(twins.Direct, pageSize, filter));
    }

    [Fact]
    public async Task Counts_and_retrieves_match_one_qdrant()
    {
        (await twins.ViaRouter.CountAsync(twins.Collection)).Should().Be((ulong)points.Count);
        (await twins.ViaRouter.CountAsync(twins.Collection, Match("group", 1))).Should().Be(await twins.Direct.CountAsync(twins.Collection, Match("group", 1)));

        IReadOnlyList<PointId> ids = [points[3].Id, points[4].Id, new PointId { Num = 99999 }, points[200].Id, points[3].Id, points[9].Id];
        var retrieved = await twins.ViaRouter.RetrieveAsync(twins.Collection, ids, withPayload: true, withVectors: true);
        var expected = await twins.Direct.RetrieveAsync(twins.Collection, ids, withPayload: true, withVectors: true);
        TwinCollections.Text(retrieved).Should().Equal(TwinCollections.Text(expected));
        retrieved.Should().HaveCount(4, "a missing id is skipped and a repeated one returned once");

        // The raw call with no selectors: the defaults must be Qdrant's too.
        var bare = new GetPoints { CollectionName = twins.Collection, Ids = { ids } };
        using var routerGrpc = new QdrantGrpcClient(twins.Router.Handle.GrpcUri);
        using var oracleGrpc = new QdrantGrpcClient(twins.Oracle.Servers[0].GrpcUri);
        TwinCollections.Text((await routerGrpc.Points.GetAsync(bare)).Result).Should().Equal(TwinCollections.Text((await oracleGrpc.Points.GetAsync(bare)).Result));
    }

    [Fact]
    public async Task Deletes_by_id_and_by_filter_remove_the_same_points_as_on_one_qdrant()
    {
        IReadOnlyList<ulong> ids = [1, 2, 3, 4, 6, 123456];
        await twins.ViaRouter.DeleteAsync(twins.Collection, ids);
        await twins.Direct.DeleteAsync(twins.Collection, ids);
        await twins.ViaRouter.DeleteAsync(twins.Collection, Guid.Parse(points[9].Id.Uuid));
        await twins.Direct.DeleteAsync(twins.Collection, Guid.Parse(points[9].Id.Uuid));
        await twins.ViaRouter.DeleteAsync(twins.Collection, Match("group", 3));
        await twins.Direct.DeleteAsync(twins.Collection, Match("group", 3));

        (await twins.AllAsync(twins.ViaRouter)).Should().Equal(await twins.AllAsync(twins.Direct));
        twins.Cluster.TotalPoints().Should().Be((int)await twins.Direct.CountAsync(twins.Collection));
    }

    [Fact]
    public async Task Payload_changes_match_one_qdrant_and_advance_the_write_version_of_every_changed_point()
    {
        var before = VersionsOnShards();
        await twins.ViaRouter.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["tag"] = "a", ["rank"] = -1 }, [6UL, 7UL, 8UL]);
        await twins.Direct.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["tag"] = "a", ["rank"] = -1 }, [6UL, 7UL, 8UL]);
        await twins.ViaRouter.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["tag"] = "b" }, Match("group", 1));
        await twins.Direct.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["tag"] = "b" }, Match("group", 1));
        await twins.ViaRouter.DeletePayloadAsync(twins.Collection, ["name"], [7UL, 11UL]);
        await twins.Direct.DeletePayloadAsync(twins.Collection, ["name"], [7UL, 11UL]);
        await twins.ViaRouter.DeletePayloadAsync(twins.Collection, ["rank"], Match("group", 2));
        await twins.Direct.DeletePayloadAsync(twins.Collection, ["rank"], Match("group", 2));

        (await twins.AllAsync(twins.ViaRouter)).Should().Equal(await twins.AllAsync(twins.Direct));
        var after = VersionsOnShards();
        foreach (var id in new[] { "6", "7", "8", "11", "2", "1" })
        {
            after[id].Should().BeGreaterThan(before[id], $"point {id} was changed, so a migration must see it as newer");
        }

        after["3"].Should().Be(before["3"], "point 3 was not selected by any change");
    }

    [Fact]
    public async Task The_collection_reads_as_one_collection_holding_every_point()
    {
        var info = await twins.ViaRouter.GetCollectionInfoAsync(twins.Collection);
        info.PointsCount.Should().Be((ulong)points.Count);
        info.Config.Params.VectorsConfig.Params.Size.Should().Be(Dimension);
        info.Config.Params.VectorsConfig.Params.Distance.Should().Be(GrpcDistance.Cosine);
        info.PayloadSchema.Keys.Should().NotContain(key => key.StartsWith("_rag_", StringComparison.Ordinal));
        (await twins.ViaRouter.ListCollectionsAsync()).Should().Equal(twins.Collection);
        (await twins.ViaRouter.CollectionExistsAsync(twins.Collection)).Should().BeTrue();
        (await twins.ViaRouter.CollectionExistsAsync("other")).Should().BeFalse();
        (await twins.ViaRouter.HealthAsync()).Version.Should().Be("1.19.0");
    }

    private Dictionary<string, long> VersionsOnShards() => twins.Cluster.Servers
        .SelectMany((_, shard) => twins.Cluster.PointsOn(shard))
        .ToDictionary(p => p.Key, p => p.Value.Payload[Routing.PayloadFields.Version]!.GetValue<long>());
}
