using FluentAssertions;
using RagOperator.Qdrant.Filters;
using RagOperator.Router.RoutingSource;
using RagOperator.Router.Search;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class CellExclusionTests
{
    [Fact]
    public void No_excluded_cells_leave_the_client_filter_as_it_is()
    {
        var filter = Filter.All(Conditions.Match("lang", "en"));

        CellExclusion.Apply(filter, CellSet.Empty).Should().BeSameAs(filter);
        CellExclusion.Apply(null, CellSet.Empty).Should().BeNull();
    }

    [Fact]
    public void Long_ranges_become_range_conditions_and_short_ones_one_match_any_list()
    {
        var conditions = CellExclusion.Conditions(CellSet.Parse("0-99,200,300-302,500-515"));

        conditions.Should().BeEquivalentTo(new Condition[]
        {
            Conditions.Range(PayloadFields.Cell, gte: 0, lte: 99),
            Conditions.MatchAny(PayloadFields.Cell, [200L, 300, 301, 302, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 512, 513, 514, 515]),
        }, options => options.RespectingRuntimeTypes());
    }

    [Fact]
    public void The_exclusion_is_added_to_the_client_filters_must_not_keeping_its_other_clauses()
    {
        var client = new Filter { Must = [Conditions.Match("lang", "en")], MustNot = [Conditions.Match("draft", true)] };

        var combined = CellExclusion.Apply(client, CellSet.Parse("7"))!;

        combined.Must.Should().BeEquivalentTo(client.Must, options => options.RespectingRuntimeTypes());
        combined.MustNot.Should().HaveCount(2);
        combined.MustNot![1].Should().BeEquivalentTo(Conditions.MatchAny(PayloadFields.Cell, [7L]), options => options.RespectingRuntimeTypes());
    }
}

public sealed class RequestGateTests
{
    private static RoutingTable Table(long version) => RoutingTable.Create(
        "docs", "default", version, new HashCellAssigner(4), 2, Distance.Dot, [new RoutingShard(0, "http://shard-0:6333", CellSet.FromRange(0, 3))]);

    [Fact]
    public void The_served_version_is_the_lowest_of_the_current_table_and_every_running_request()
    {
        var holder = new RoutingTableHolder("docs", "default");
        var gate = new RequestGate(holder);
        gate.ServedVersion.Should().Be(0);

        holder.Offer(Table(1));
        var first = gate.Begin();
        holder.Offer(Table(2));
        var second = gate.Begin();
        holder.Offer(Table(3));

        gate.ServedVersion.Should().Be(1);
        gate.Running.Should().Be(2);
        second.Table.Version.Should().Be(2);
        first.Dispose();
        gate.ServedVersion.Should().Be(2);
        second.Dispose();
        second.Dispose();
        gate.ServedVersion.Should().Be(3, "disposing a lease twice releases it once");
        gate.Running.Should().Be(0);
    }

    [Fact]
    public void A_request_cannot_begin_before_a_table_is_loaded()
    {
        var gate = new RequestGate(new RoutingTableHolder("docs"));

        var begin = () => gate.Begin();

        begin.Should().Throw<Api.RouterRequestException>().Which.Error.Status.Should().Be(503);
    }
}

public sealed class RouterOptionsLoaderTests
{
    [Fact]
    public void Settings_come_from_the_environment_and_flags_win()
    {
        var environment = new Dictionary<string, string>
        {
            ["COLLECTION"] = "docs",
            ["POD_NAMESPACE"] = "search",
            ["ROUTER_API_KEY"] = "k1",
            ["QDRANT_API_KEY"] = "k2",
            ["POD_NAME"] = "docs-router-7c9-abcde",
            ["PORT"] = "9090",
            ["SEARCH_TIMEOUT_MS"] = "750",
            ["WRITE_CLOCK_UNCERTAINTY_MS"] = "20",
        };

        var (options, process) = RouterOptionsLoader.Load(["--routing-configmap", "docs-routing-custom", "--port=8181"], name => environment.GetValueOrDefault(name));

        options.Collection.Should().Be("docs");
        options.Namespace.Should().Be("search");
        options.ConfigMapName.Should().Be("docs-routing-custom");
        options.ApiKey.Should().Be("k1");
        options.QdrantApiKey.Should().Be("k2");
        options.EffectiveRouterId.Should().Be(RouterIdentity.FromName("docs-router-7c9-abcde"));
        process.Port.Should().Be(8181);
        options.DefaultSearchTimeout.Should().Be(TimeSpan.FromMilliseconds(750), "the operator passes router.searchTimeoutMs down");
        options.WriteClockUncertainty.Should().Be(TimeSpan.FromMilliseconds(20), "the operator passes router.writeClockUncertaintyMs down");
        options.ToString().Should().NotContain("k1").And.NotContain("k2");
    }

    [Fact]
    public void The_routing_config_map_defaults_to_the_collection_name_with_a_routing_suffix()
    {
        var (options, process) = RouterOptionsLoader.Load([], name => name == "COLLECTION" ? "docs" : null);

        options.ConfigMapName.Should().Be("docs-routing");
        options.Namespace.Should().Be("default");
        options.ApiKey.Should().BeNull();
        process.Port.Should().Be(8080);
    }

    [Fact]
    public void The_shard_guard_settings_come_from_flags_or_the_environment()
    {
        var (options, _) = RouterOptionsLoader.Load(["--hedging", "false", "--shard-queue-limit=10", "--hedge-min-delay-ms", "25"],
            name => name switch { "COLLECTION" => "docs", "SHARD_CONCURRENCY_LIMIT" => "8", _ => null });

        options.Hedging.Should().BeFalse();
        options.ShardConcurrencyLimit.Should().Be(8);
        options.ShardQueueLimit.Should().Be(10);
        options.HedgeMinimumDelay.Should().Be(TimeSpan.FromMilliseconds(25));
    }

    [Theory]
    [InlineData(new string[0], "the collection is not set")]
    [InlineData(new[] { "--collection", "docs", "--colour", "red" }, "unknown flag '--colour'")]
    [InlineData(new[] { "--collection", "docs", "--router-id", "2000" }, "router id 2000 is outside 0..1023")]
    [InlineData(new[] { "--collection", "docs", "--port", "http" }, "PORT 'http' is not an integer")]
    [InlineData(new[] { "--collection" }, "flag '--collection' needs a value")]
    [InlineData(new[] { "--collection", "docs", "--search-timeout-ms", "0" }, "SEARCH_TIMEOUT_MS 0 must be a positive number")]
    [InlineData(new[] { "--collection", "docs", "--write-clock-uncertainty-ms", "5000" }, "write clock uncertainty 5000 ms is outside 0..1000 ms")]
    [InlineData(new[] { "--collection", "docs", "--hedging", "maybe" }, "HEDGING 'maybe' is not true or false")]
    [InlineData(new[] { "--collection", "docs", "--shard-concurrency-limit", "0" }, "shard concurrency limit (0) must be at least 1")]
    public void Bad_settings_are_refused_with_a_message_naming_them(string[] args, string message)
    {
        var load = () => RouterOptionsLoader.Load(args, _ => null);

        load.Should().Throw<ArgumentException>().WithMessage($"*{message}*");
    }
}

public sealed class RouterIdentityTests
{
    [Fact]
    public void The_router_id_is_a_stable_hash_of_the_pod_name_within_the_write_version_range()
    {
        var names = Enumerable.Range(0, 200).Select(i => $"docs-router-5d8f7-{i:x5}").ToList();

        var ids = names.Select(RouterIdentity.FromName).ToList();

        ids.Should().OnlyContain(id => id >= 0 && id <= WriteVersion.MaxRouterId);
        names.Select(RouterIdentity.FromName).Should().Equal(ids, "the same name always gives the same id");
        ids.Distinct().Count().Should().BeGreaterThan(150, "names spread over the 1024 ids");
    }
}
