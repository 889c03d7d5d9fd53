using FluentAssertions;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class RoutingBuilderTests
{
    public static TheoryData<int, int, string[]> InitialTables => new()
    {
        { 16384, 1, ["0-16383"] },
        { 16384, 2, ["0-8191", "8192-16383"] },
        { 10, 3, ["0-3", "4-6", "7-9"] },
        { 4, 4, ["0", "1", "2", "3"] },
    };

    [Theory]
    [MemberData(nameof(InitialTables))]
    public void The_first_table_gives_every_shard_an_equal_contiguous_range(int slots, int shards, string[] cells)
    {
        var collection = Fixtures.Collection(configure: s =>
        {
            s.Shards = shards;
            s.Sharding.Slots = slots;
        });
        var table = RoutingTables.Initial(Fixtures.Input(collection), 1, shard => $"http://shard-{shard}:6333");

        table.Version.Should().Be(1);
        table.Collection.Should().Be("docs");
        table.Namespace.Should().Be("search");
        table.CellCount.Should().Be(slots);
        table.Dimension.Should().Be(8);
        table.IsStable.Should().BeTrue();
        table.Shards.Select(s => s.Cells.ToString()).Should().Equal(cells);
        table.Shards.Select(s => s.Endpoint).Should().Equal(Enumerable.Range(0, shards).Select(i => $"http://shard-{i}:6333"));
    }

    [Fact]
    public void Replacing_endpoints_keeps_ownership_and_raises_the_version()
    {
        var table = RoutingTables.Initial(Fixtures.Input(), 3, shard => $"http://old-{shard}");
        var next = RoutingTables.WithEndpoints(table, 4, shard => $"http://new-{shard}");

        next.Version.Should().Be(4);
        next.Shards.Select(s => s.Cells).Should().Equal(table.Shards.Select(s => s.Cells));
        RoutingTables.EndpointsMatch(next, shard => $"http://new-{shard}").Should().BeTrue();
        RoutingTables.EndpointsMatch(table, shard => $"http://new-{shard}").Should().BeFalse();
    }

    [Fact]
    public void The_active_and_history_configmaps_hold_the_same_parseable_document()
    {
        var input = Fixtures.Input();
        var table = RoutingTables.Initial(input, 7, shard => $"http://s{shard}");
        var active = RoutingConfigMapBuilder.Active(input, table);
        var history = RoutingConfigMapBuilder.History(input, table);

        active.Metadata.Name.Should().Be("docs-routing");
        active.Immutable.Should().BeNull();
        history.Metadata.Name.Should().Be("docs-routing-v7");
        history.Immutable.Should().BeTrue();
        active.Metadata.Annotations![RoutingConfigMapBuilder.VersionAnnotation].Should().Be("7");
        RoutingTable.Parse(active.Data![ChildNames.RoutingKey]).SameDocumentAs(table).Should().BeTrue();
        history.Data.Should().Equal(active.Data);
    }

    public static TheoryData<long[], long[]> Pruning => new()
    {
        { [], [] },
        { [1, 2, 3], [] },
        { [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [] },
        { [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [1] },
        { [14, 3, 12, 5, 7, 9, 11, 13, 15, 16, 17, 18, 2], [2, 3, 5] },
    };

    [Theory]
    [MemberData(nameof(Pruning))]
    public void History_keeps_the_newest_ten_versions(long[] versions, long[] pruned) =>
        RoutingConfigMapBuilder.HistoryToPrune(versions).Should().Equal(pruned);

    [Theory]
    [InlineData("docs", "docs-routing-v12", 12L)]
    [InlineData("docs", "docs-routing", null)]
    [InlineData("docs", "docs-routing-vx", null)]
    [InlineData("docs", "other-routing-v3", null)]
    [InlineData("a-routing", "a-routing-routing-v2", 2L)]
    public void History_versions_are_read_back_from_names(string collection, string name, long? version) =>
        ChildNames.HistoryVersion(collection, name).Should().Be(version);
}
