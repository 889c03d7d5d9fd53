using FluentAssertions;
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using RagOperator.Router.Tests.Support;
using Xunit;

namespace RagOperator.Router.Tests;

/// <summary>
/// What the router's gRPC face refuses, through the official client: each refusal has the status code Qdrant would
/// use, a message that says what is wrong and what to do, and writes nothing.
/// </summary>
public sealed class QdrantGrpcFaceRefusalTests : IAsyncLifetime
{
    private const string Key = "router-secret";
    private TwinCollections twins = null!;
    private QdrantClient client = null!;

    public async Task InitializeAsync()
    {
        twins = await TwinCollections.StartAsync(shards: 2, dimension: 4, configure: options => options with { ApiKey = Key });
        client = twins.ViaRouter;
        await client.UpsertAsync(twins.Collection, [new PointStruct { Id = 1, Vectors = new[] { 1f, 0, 0, 0 }, Payload = { ["a"] = 1 } }]);
    }

    public async Task DisposeAsync() => await twins.DisposeAsync();

    [Fact]
    public async Task A_client_without_the_api_key_is_refused_and_the_health_check_needs_none()
    {
        using var anonymous = TwinCollections.Client(twins.Router.Handle.GrpcUri, apiKey: null);
        using var wrong = TwinCollections.Client(twins.Router.Handle.GrpcUri, apiKey: "guess");

        (await Refusal(() => anonymous.CountAsync(twins.Collection))).Should().Match<RpcException>(e => e.StatusCode == StatusCode.Unauthenticated && e.Status.Detail.Contains("missing API key"));
        (await Refusal(() => wrong.ListCollectionsAsync())).StatusCode.Should().Be(StatusCode.Unauthenticated);
        (await anonymous.HealthAsync()).Title.Should().Contain("rag-router");
    }

    [Fact]
    public async Task Bad_writes_say_what_is_wrong_and_write_nothing()
    {
        var wrongDimension = await Refusal(() => client.UpsertAsync(twins.Collection,
            [new PointStruct { Id = 2, Vectors = new[] { 1f, 0, 0, 0 } }, new PointStruct { Id = 3, Vectors = new[] { 1f, 2f } }]));
        wrongDimension.StatusCode.Should().Be(StatusCode.InvalidArgument);
        wrongDimension.Status.Detail.Should().Contain("points[1].vector").And.Contain("expected dim: 4, got 2");

        var reserved = await Refusal(() => client.UpsertAsync(twins.Collection, [new PointStruct { Id = 4, Vectors = new[] { 1f, 0, 0, 0 }, Payload = { ["_rag_cell"] = 3 } }]));
        reserved.Status.Detail.Should().Contain("_rag_cell").And.Contain("reserved");

        var named = await Refusal(() => client.UpsertAsync(twins.Collection,
            [new PointStruct { Id = 5, Vectors = new Dictionary<string, float[]> { ["text"] = [1f, 0, 0, 0] } }]));
        named.Status.Detail.Should().Contain("named vectors");

        (await Refusal(() => client.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["_rag_v"] = 1 }, [1UL]))).Status.Detail.Should().Contain("_rag_v");
        (await Refusal(() => client.DeletePayloadAsync(twins.Collection, ["_rag_cell"], [1UL]))).Status.Detail.Should().Contain("_rag_cell");
        (await Refusal(() => client.OverwritePayloadAsync(twins.Collection, new Dictionary<string, Value> { ["b"] = 1 }, [1UL]))).Status.Detail
            .Should().Contain("overwrite_payload").And.Contain("set_payload");
        (await Refusal(() => client.ClearPayloadAsync(twins.Collection, [1UL]))).Status.Detail.Should().Contain("clear_payload");

        twins.Cluster.TotalPoints().Should().Be(1, "no refused write reached a shard");
        var point = (await client.RetrieveAsync(twins.Collection, 1UL)).Single();
        point.Payload.Keys.Should().Equal("a");
    }

    [Fact]
    public async Task Queries_the_router_cannot_answer_like_qdrant_are_refused_with_the_alternative()
    {
        (await Refusal(() => client.QueryAsync(twins.Collection, new[] { 1f, 0 }))).Status.Detail.Should().Contain("expected dim: 4, got 2");
        (await Refusal(() => client.QueryAsync(twins.Collection, new PointId { Num = 1 }))).Status.Detail.Should().Contain("by point id");
        (await Refusal(() => client.QueryAsync(twins.Collection, new[] { 1f, 0, 0, 0 }, usingVector: "text"))).Status.Detail.Should().Contain("unnamed vector");
        (await Refusal(() => client.QueryAsync(twins.Collection, prefetch: [new PrefetchQuery { Query = new[] { 1f, 0, 0, 0 } }], query: Fusion.Rrf)))
            .Status.Detail.Should().Contain("prefetch");
        (await Refusal(() => client.ScrollAsync(twins.Collection, orderBy: "a"))).Status.Detail.Should().Contain("order_by");
        (await Refusal(() => client.QueryAsync(twins.Collection, new[] { 1f, 0, 0, 0 }, limit: 2000))).Status.Detail.Should().Contain("at most 1000");
        (await Refusal(() => client.CountAsync("other"))).Should().Match<RpcException>(e => e.StatusCode == StatusCode.NotFound && e.Status.Detail.Contains("serves 'docs'"));
    }

    [Fact]
    public async Task Changing_the_collection_is_refused_with_the_vector_collection_field_that_does_it()
    {
        var create = await Refusal(() => client.CreateCollectionAsync("docs", new VectorParams { Size = 4, Distance = Distance.Cosine }));
        create.StatusCode.Should().Be(StatusCode.PermissionDenied);
        create.Status.Detail.Should().Contain("VectorCollection default/docs").And.Contain("spec.dimension");
        (await Refusal(() => client.DeleteCollectionAsync("docs"))).Status.Detail.Should().Contain("kubectl delete vectorcollection");
        (await Refusal(() => client.UpdateCollectionAsync("docs", hnswConfig: new HnswConfigDiff { M = 32 }))).Status.Detail.Should().Contain("spec.hnsw");
        (await Refusal(() => client.CreatePayloadIndexAsync("docs", "a"))).StatusCode.Should().Be(StatusCode.PermissionDenied);
        (await Refusal(() => client.CreateAliasAsync("alias", "docs"))).Status.Detail.Should().Contain("no aliases");
        (await Refusal(() => client.CreateSnapshotAsync("docs"))).Status.Detail.Should().Contain("spec.snapshots");
        (await Refusal(() => client.ListSnapshotsAsync("docs"))).StatusCode.Should().Be(StatusCode.PermissionDenied);
    }

    private static async Task<RpcException> Refusal(Func<Task> call)
    {
        var thrown = await call.Should().ThrowAsync<RpcException>();
        return thrown.Which;
    }
}
