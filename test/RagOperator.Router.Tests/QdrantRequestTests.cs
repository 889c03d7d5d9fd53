using FluentAssertions;
using Qdrant.Client.Grpc;
using RagOperator.Router.Api;
using RagOperator.Router.QdrantApi;
using RagOperator.Routing;
using Xunit;
using static Qdrant.Client.Grpc.Conditions;

namespace RagOperator.Router.Tests;

/// <summary>The pure parts of the router's Qdrant API: request checks, the search-to-query translation and routing filters.</summary>
public sealed class QdrantRequestTests
{
    [Fact]
    public void A_search_becomes_the_nearest_vector_query_with_every_option_kept()
    {
        var search = new SearchPoints
        {
            CollectionName = "docs", Vector = { 1, 2 }, Limit = 7, Offset = 3, ScoreThreshold = 0.5f, Filter = Match("a", 1),
            WithPayload = new WithPayloadSelector { Enable = true }, WithVectors = new WithVectorsSelector { Enable = true }, Timeout = 9,
        };

        var query = QdrantRequests.AsQuery(search);

        query.Query.Nearest.Dense.Data.Should().Equal(1, 2);
        (query.Limit, query.Offset, query.ScoreThreshold, query.Timeout).Should().Be((7UL, 3UL, 0.5f, 9UL));
        query.Filter.Should().Be(search.Filter);
        query.WithPayload.Enable.Should().BeTrue();
        query.WithVectors.Enable.Should().BeTrue();
        query.HasUsing.Should().BeFalse();
    }

    [Theory]
    [InlineData(10UL, 0UL, 10)]
    [InlineData(10UL, 5UL, 15)]
    [InlineData(1000UL, 0UL, 1000)]
    public void Each_shard_is_asked_for_the_whole_window_up_to_the_page_end(ulong limit, ulong offset, int window) =>
        QdrantRequests.ResultWindow(limit, offset).Should().Be(window);

    [Theory]
    [InlineData(0UL, 0UL, "limit is 0")]
    [InlineData(990UL, 11UL, "offset + limit is 1001")]
    public void A_window_the_router_cannot_merge_is_refused_with_the_bound(ulong limit, ulong offset, string message) =>
        FluentActions.Invoking(() => QdrantRequests.ResultWindow(limit, offset))
            .Should().Throw<RouterRequestException>().Which.Error.Message.Should().Contain(message);

    [Fact]
    public void A_shard_read_without_exclusions_keeps_the_application_filter_as_it_is()
    {
        var filter = new Filter { Should = { Match("a", 1), Match("b", 2) } };
        var read = new ShardRead(0, "http://s0:6333", CellSet.Empty);

        ShardReads.Restrict(filter, read).Should().BeSameAs(filter);
        ShardReads.Restrict(null, read).Should().BeNull();
    }

    [Fact]
    public void Routing_conditions_are_added_next_to_the_application_clauses_without_touching_them()
    {
        var filter = new Filter { Should = { Match("a", 1), Match("b", 2) }, MustNot = { Match("c", 3) } };
        var read = new ShardRead(1, "http://s1:6333", CellSet.FromRange(4, 5));

        var restricted = ShardReads.Restrict(filter, read)!;

        restricted.Should().NotBeSameAs(filter);
        restricted.Should.Should().Equal(filter.Should);
        restricted.MustNot.Should().HaveCount(2);
        restricted.MustNot[0].Should().Be(filter.MustNot[0]);
        restricted.MustNot[1].Field.Key.Should().Be(PayloadFields.Cell);
        restricted.MustNot[1].Field.Match.Integers.Integers.Should().Equal(4, 5);
        filter.MustNot.Should().HaveCount(1, "the application's filter object is not changed");
    }

    [Fact]
    public void Router_fields_are_refused_in_writes_and_removed_from_answers()
    {
        FluentActions.Invoking(() => QdrantPayloads.RefuseReserved(["title", "_rag_anything"], "payload"))
            .Should().Throw<RouterRequestException>().Which.Error.Field.Should().Be("payload._rag_anything");
        var hit = new ScoredPoint { Payload = { ["title"] = "x", [PayloadFields.Cell] = 3, [PayloadFields.Version] = 9, [PayloadFields.PreviousCell] = 1 } };

        QdrantPayloads.Strip(hit).Payload.Keys.Should().Equal("title");
    }
}
