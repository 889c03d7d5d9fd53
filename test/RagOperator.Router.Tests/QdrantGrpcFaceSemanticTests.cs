using FluentAssertions;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using RagOperator.Router.QdrantApi;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;
using Distance = RagOperator.Routing.Distance;

namespace RagOperator.Router.Tests;

/// <summary>
/// A semantic collection through the router's gRPC face: points land on the shard of their nearest centroid, queries
/// probe the nearest cells' shards (all of them with the <c>rag-nprobe: all</c> metadata, which makes them exact),
/// calls by id, which cannot know a point's cell, reach every shard, and payload changes in place are refused.
/// </summary>
public sealed class QdrantGrpcFaceSemanticTests : IAsyncLifetime
{
    private TwinCollections twins = null!;

    public async Task InitializeAsync()
    {
        // Cells at x = 0, 10 (shard 0) and 20, 30 (shard 1).
        twins = await TwinCollections.StartAsync(shards: 2, dimension: 2, distance: Distance.Euclid, table: cluster => RoutingTable.Create(
            cluster.Collection, ShardCluster.Namespace, 1,
            new SemanticCellAssigner(1, 2, Distance.Euclid, [0, 0, 10, 0, 20, 0, 30, 0], nprobe: 1), 2, Distance.Euclid,
            [new RoutingShard(0, cluster.Servers[0].BaseUri.AbsoluteUri, CellSet.FromRange(0, 1)),
             new RoutingShard(1, cluster.Servers[1].BaseUri.AbsoluteUri, CellSet.FromRange(2, 3))]));
        await twins.UpsertBothAsync([.. Enumerable.Range(0, 40).Select(i => new PointStruct
        {
            Id = (ulong)i + 1,
            Vectors = new[] { (float)i, 0f },
            Payload = { ["x"] = i },
        })]);
    }

    public async Task DisposeAsync() => await twins.DisposeAsync();

    [Fact]
    public async Task A_query_probes_its_nearest_cells_and_every_shard_when_asked_for_all()
    {
        var near = await twins.ViaRouter.QueryAsync(twins.Collection, new[] { 2f, 0f }, limit: 30);
        near.Should().HaveCount(16, "nprobe 1 asks only shard 0, which holds the 16 points nearest cells 0 and 1");

        using var channel = GrpcChannel.ForAddress(twins.Router.Handle.GrpcUri);
        using var probeAll = new QdrantClient(new QdrantGrpcClient(channel.Intercept(metadata =>
        {
            metadata.Add(QdrantFace.NprobeHeader, "all");
            return metadata;
        })));
        var all = await probeAll.QueryAsync(twins.Collection, new[] { 2f, 0f }, limit: 30);
        TwinCollections.Text(all).Should().Equal(TwinCollections.Text(await twins.Direct.QueryAsync(twins.Collection, new[] { 2f, 0f }, limit: 30)));
    }

    [Fact]
    public async Task Calls_by_id_reach_the_point_wherever_its_vector_placed_it()
    {
        twins.Cluster.PointsOn(0).Should().ContainKey("1");
        twins.Cluster.PointsOn(1).Should().ContainKey("40");

        foreach (var client in new[] { twins.ViaRouter, twins.Direct })
        {
            await client.UpsertAsync(twins.Collection, [new PointStruct { Id = 1, Vectors = new[] { 31f, 0f }, Payload = { ["x"] = 31 } }]);
            await client.DeleteAsync(twins.Collection, [3UL, 38UL]);
        }

        twins.Cluster.PointsOn(0).Should().NotContainKey("1", "an update that changes the point's cell removes its old copy");
        twins.Cluster.PointsOn(1).Should().ContainKey("1");
        (await twins.AllAsync(twins.ViaRouter)).Should().Equal(await twins.AllAsync(twins.Direct));
        IReadOnlyList<PointId> ids = [1UL, 2UL, 3UL, 38UL, 39UL, 40UL];
        TwinCollections.Text(await twins.ViaRouter.RetrieveAsync(twins.Collection, ids))
            .Should().Equal(TwinCollections.Text(await twins.Direct.RetrieveAsync(twins.Collection, ids)));
    }

    [Fact]
    public async Task Payload_changes_in_place_are_refused_because_the_points_shard_depends_on_its_vector()
    {
        var set = await FluentActions.Awaiting(() => twins.ViaRouter.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["tag"] = "t" }, [1UL]))
            .Should().ThrowAsync<Grpc.Core.RpcException>();
        set.Which.StatusCode.Should().Be(Grpc.Core.StatusCode.InvalidArgument);
        set.Which.Status.Detail.Should().Contain("placed by their vectors").And.Contain("Upsert the whole point");
        (await FluentActions.Awaiting(() => twins.ViaRouter.DeletePayloadAsync(twins.Collection, ["x"], [1UL])).Should().ThrowAsync<Grpc.Core.RpcException>())
            .Which.Status.Detail.Should().Contain("delete_payload");
        twins.Cluster.PointsOn(0)["1"].Payload.ContainsKey("tag").Should().BeFalse();
    }
}
