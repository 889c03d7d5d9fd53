using System.Text.Json.Nodes;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class PointRoundTripTests
{
    private const string Collection = "docs";

    private static async Task<QdrantHarness> StartWithCollectionAsync(Distance distance = Distance.Dot, int dimension = 4)
    {
        var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync(Collection, new CreateCollectionRequest(new VectorParams((ulong)dimension, distance)));
        return harness;
    }

    [Fact]
    public async Task Upserted_points_are_retrieved_with_payload_and_vector_and_missing_ids_are_skipped()
    {
        await using var harness = await StartWithCollectionAsync();
        var uuid = Guid.Parse("550e8400-e29b-41d4-a716-446655440000");
        var result = await harness.Client.UpsertAsync(Collection,
        [
            new PointStruct(7, [1, 2, 3, 4], new JsonObject { ["_rag_cell"] = 3, ["title"] = "seven" }),
            new PointStruct(uuid, [0.5f, 0, 0, 0], new JsonObject { ["nested"] = new JsonObject { ["k"] = true } }),
        ]);

        result.Status.Should().Be(UpdateStatus.Completed);
        result.OperationId.Should().NotBeNull();
        var points = await harness.Client.RetrieveAsync(Collection, [PointId.FromNumber(7), uuid, PointId.FromNumber(99)], withPayload: true, withVector: true);

        points.Should().HaveCount(2);
        points[0].Id.Should().Be(PointId.FromNumber(7));
        points[0].Vector.Should().Equal(1, 2, 3, 4);
        points[0].Payload!["title"]!.GetValue<string>().Should().Be("seven");
        points[1].Id.Should().Be(PointId.FromUuid(uuid));
        points[1].Payload!["nested"]!["k"]!.GetValue<bool>().Should().BeTrue();
        harness.Server.Collections.GetPoint(Collection, uuid)!.Payload.ToJsonString().Should().Be("""{"nested":{"k":true}}""");
    }

    [Fact]
    public async Task Retrieve_without_payload_or_vector_returns_ids_only()
    {
        await using var harness = await StartWithCollectionAsync();
        await harness.Client.UpsertAsync(Collection, [new PointStruct(1, [1, 0, 0, 0], new JsonObject { ["a"] = 1 })]);

        var points = await harness.Client.RetrieveAsync(Collection, [PointId.FromNumber(1)], withPayload: false, withVector: false);

        points.Should().ContainSingle().Which.Should().Be(new RetrievedPoint { Id = 1 });
    }

    [Fact]
    public async Task Upserting_an_existing_id_replaces_vector_and_payload_and_bumps_the_version()
    {
        await using var harness = await StartWithCollectionAsync();
        var first = await harness.Client.UpsertAsync(Collection, [new PointStruct(1, [1, 0, 0, 0], new JsonObject { ["v"] = 1 })]);
        var second = await harness.Client.UpsertAsync(Collection, [new PointStruct(1, [0, 1, 0, 0], new JsonObject { ["w"] = 2 })]);

        var stored = harness.Server.Collections.GetPoint(Collection, 1)!;
        stored.Vector.Should().Equal(0, 1, 0, 0);
        stored.Payload.ToJsonString().Should().Be("""{"w":2}""");
        stored.Version.Should().Be(second.OperationId!.Value);
        second.OperationId.Should().BeGreaterThan(first.OperationId!.Value);
        harness.Server.Collections.PointCount(Collection).Should().Be(1);
    }

    [Fact]
    public async Task Scrolling_pages_through_every_point_in_id_order_with_next_page_offset()
    {
        await using var harness = await StartWithCollectionAsync();
        var uuids = Enumerable.Range(0, 5).Select(i => Guid.Parse($"00000000-0000-0000-0000-00000000000{i}")).ToArray();
        var points = TestVectors.Points(23, 4, seed: 5).Concat(uuids.Select(u => new PointStruct(u, [1, 1, 1, 1]))).ToList();
        await harness.Client.UpsertAsync(Collection, points.AsEnumerable().Reverse().ToList());

        var seen = new List<PointId>();
        PointId? offset = null;
        var pages = 0;
        do
        {
            var page = await harness.Client.ScrollAsync(Collection, new ScrollRequest { Limit = 5, Offset = offset, WithPayload = false });
            seen.AddRange(page.Points.Select(point => point.Id));
            page.Points.Should().HaveCountLessThanOrEqualTo(5);
            offset = page.NextPageOffset;
            pages++;
        }
        while (offset is not null && pages < 20);

        seen.Should().Equal(points.Select(point => point.Id).Order());
        seen.Take(23).Should().OnlyContain(id => !id.IsUuid, "integer ids come before UUIDs");
        pages.Should().Be(6);
    }

    [Fact]
    public async Task Scrolling_with_a_filter_returns_only_the_cells_asked_for()
    {
        await using var harness = await StartWithCollectionAsync();
        await harness.Client.UpsertAsync(Collection, TestVectors.Points(40, 4, seed: 8, i => new JsonObject { ["_rag_cell"] = i % 4 }));

        var page = await harness.Client.ScrollAsync(Collection, new ScrollRequest
        {
            Filter = Filter.All(Conditions.MatchAny("_rag_cell", [1, 3])),
            Limit = 100,
            WithVector = true,
        });

        page.Points.Should().HaveCount(20);
        page.NextPageOffset.Should().BeNull();
        page.Points.Should().OnlyContain(point => point.Payload!["_rag_cell"]!.GetValue<int>() % 2 == 1 && point.Vector!.Length == 4);
    }

    [Fact]
    public async Task Deleting_by_ids_and_by_filter_removes_exactly_those_points()
    {
        await using var harness = await StartWithCollectionAsync();
        await harness.Client.UpsertAsync(Collection, TestVectors.Points(30, 4, seed: 9, i => new JsonObject { ["_rag_cell"] = i % 3 }));

        await harness.Client.DeleteAsync(Collection, [PointId.FromNumber(1), PointId.FromNumber(2), PointId.FromNumber(1000)]);
        (await harness.Client.CountAsync(Collection)).Should().Be(28);

        var deleted = await harness.Client.DeleteByFilterAsync(Collection, Filter.All(Conditions.Match("_rag_cell", 0)));

        deleted.Status.Should().Be(UpdateStatus.Completed);
        (await harness.Client.CountAsync(Collection)).Should().Be(19, "ids 1 and 2 were cells 0 and 1, so nine points of cell 0 remained");
        (await harness.Client.CountAsync(Collection, Filter.All(Conditions.Match("_rag_cell", 0)))).Should().Be(0);
        harness.Server.Collections.GetPoints(Collection).Should().OnlyContain(point => point.Payload["_rag_cell"]!.GetValue<int>() != 0);
    }

    [Fact]
    public async Task Count_with_a_filter_counts_exactly()
    {
        await using var harness = await StartWithCollectionAsync();
        await harness.Client.UpsertAsync(Collection, TestVectors.Points(50, 4, seed: 10, i => new JsonObject { ["n"] = i }));

        var count = await harness.Client.CountAsync(Collection, Filter.All(Conditions.Range("n", gte: 10, lt: 20)));

        count.Should().Be(10);
    }

    [Fact]
    public async Task Set_payload_merges_keys_into_the_selected_points_only()
    {
        await using var harness = await StartWithCollectionAsync();
        await harness.Client.UpsertAsync(Collection, TestVectors.Points(6, 4, seed: 11, i => new JsonObject { ["_rag_cell"] = i, ["keep"] = "yes" }));

        await harness.Client.SetPayloadAsync(Collection, new JsonObject { ["_rag_v"] = 42, ["keep"] = "changed" }, null,
            Filter.All(Conditions.Range("_rag_cell", gte: 3)));
        await harness.Client.SetPayloadAsync(Collection, new JsonObject { ["marked"] = true }, [PointId.FromNumber(1)]);

        var points = harness.Server.Collections.GetPoints(Collection);
        points.Where(p => p.Payload["_rag_cell"]!.GetValue<int>() >= 3).Should().OnlyContain(p =>
            p.Payload.ToJsonString().Contains("\"keep\":\"changed\"", StringComparison.Ordinal) && p.Payload["_rag_v"]!.GetValue<int>() == 42);
        points.Where(p => p.Payload["_rag_cell"]!.GetValue<int>() < 3).Should().OnlyContain(p => p.Payload["_rag_v"] == null);
        points.Single(p => p.Id == "1").Payload["marked"]!.GetValue<bool>().Should().BeTrue();
        points.Single(p => p.Id == "4").Payload.ToJsonString().Should().Be("""{"_rag_cell":3,"keep":"changed","_rag_v":42}""");
    }

    [Fact]
    public async Task An_upsert_with_an_update_filter_never_overwrites_a_newer_version()
    {
        await using var harness = await StartWithCollectionAsync();
        await harness.Client.UpsertAsync(Collection,
        [
            new PointStruct(1, [1, 0, 0, 0], new JsonObject { ["_rag_v"] = 10 }),
            new PointStruct(2, [1, 0, 0, 0], new JsonObject { ["_rag_v"] = 3 }),
        ]);

        // A migration copy carrying version 5: it may replace older versions only, and insert missing points.
        await harness.Client.UpsertAsync(Collection,
        [
            new PointStruct(1, [0, 1, 0, 0], new JsonObject { ["_rag_v"] = 5 }),
            new PointStruct(2, [0, 1, 0, 0], new JsonObject { ["_rag_v"] = 5 }),
            new PointStruct(3, [0, 1, 0, 0], new JsonObject { ["_rag_v"] = 5 }),
        ], updateFilter: Filter.All(Conditions.Range("_rag_v", lt: 5)));

        var points = harness.Server.Collections.GetPoints(Collection).ToDictionary(p => p.Id, p => p.Payload["_rag_v"]!.GetValue<int>());
        points.Should().Equal(new Dictionary<string, int> { ["1"] = 10, ["2"] = 5, ["3"] = 5 });
    }

    [Fact]
    public async Task Writes_without_wait_are_acknowledged()
    {
        await using var harness = await StartWithCollectionAsync();

        var result = await harness.Client.UpsertAsync(Collection, [new PointStruct(1, [1, 0, 0, 0])],
            new WriteOptions { Wait = false, Ordering = WriteOrdering.Strong });

        result.Status.Should().Be(UpdateStatus.Acknowledged);
    }

    [Fact]
    public async Task A_vector_of_the_wrong_dimension_is_refused_with_qdrants_message_and_nothing_is_written()
    {
        await using var harness = await StartWithCollectionAsync(Distance.Cosine, dimension: 384);

        var act = () => harness.Client.UpsertAsync(Collection,
        [
            new PointStruct(1, new float[384]),
            new PointStruct(2, [1, 2, 3]),
        ]);

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        error.QdrantMessage.Should().Be("Wrong input: Vector dimension error: expected dim: 384, got 3");
        harness.Server.Collections.PointCount(Collection).Should().Be(0);
    }

    [Fact]
    public async Task Cosine_collections_store_the_normalised_vector()
    {
        await using var harness = await StartWithCollectionAsync(Distance.Cosine, dimension: 2);
        await harness.Client.UpsertAsync(Collection, [new PointStruct(1, [3, 4]), new PointStruct(2, [0, 0])]);

        var points = await harness.Client.RetrieveAsync(Collection, [PointId.FromNumber(1), PointId.FromNumber(2)], withVector: true);

        points[0].Vector.Should().Equal(0.6f, 0.8f);
        points[1].Vector.Should().Equal([0f, 0f], "a zero vector is left as it is");
    }
}
