using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class SemanticTableTests
{
    /// <summary>Four cells on a line at x = 0, 10, 20, 30 (dimension 2); shard 0 owns 0-1, shard 1 owns 2-3.</summary>
    internal static SemanticCellAssigner Line(int generation = 1, int nprobe = 1) =>
        new(generation, 2, Distance.Euclid, [0, 0, 10, 0, 20, 0, 30, 0], nprobe);

    internal static RoutingShard Shard(int id, string cells) => new(id, $"http://docs-shard-{id}.default.svc:6333", CellSet.Parse(cells));

    internal static RoutingTable Semantic(int nprobe = 1) =>
        RoutingTable.Create("docs", "default", 3, Line(nprobe: nprobe), 2, Distance.Euclid, [Shard(0, "0-1"), Shard(1, "2-3")]);

    internal static RoutingTable HashWithNext(MigrationRule rule)
    {
        var hash = RoutingTable.Create("docs", "default", 4, new HashCellAssigner(8), 2, Distance.Euclid, [Shard(0, "0-3"), Shard(1, "4-7")]);
        var next = new Repartition(Line(), new CellAssignment(4, new Dictionary<int, CellSet> { [0] = CellSet.Parse("0-1"), [1] = CellSet.Parse("2-3") }));
        return hash.StartRepartition(5, "docs-repartition-g1-v4", next, rule);
    }

    [Fact]
    public void A_semantic_table_round_trips_through_json_with_its_centroids()
    {
        var table = Semantic(nprobe: 2);

        var json = table.ToJson();
        var again = RoutingTable.Parse(json);

        again.ToJson().Should().Be(json);
        again.Strategy.Should().Be("semantic");
        var assigner = again.Assigner.Should().BeOfType<SemanticCellAssigner>().Subject;
        assigner.Generation.Should().Be(1);
        assigner.Nprobe.Should().Be(2);
        assigner.Centroids.ToArray().Should().Equal(0, 0, 10, 0, 20, 0, 30, 0);
        assigner.IsEquivalentTo(table.Assigner).Should().BeTrue();
        JsonNode.Parse(json)!["semantic"]!["cells"]!.GetValue<int>().Should().Be(4);
    }

    [Theory]
    [InlineData("centroids", "\"!!\"", "semantic.centroids is not base64")]
    [InlineData("centroids", "\"AAAAAAAAAAA=\"", "semantic.centroids holds 2 values but 4 cells of dimension 2 need 8")]
    [InlineData("generation", "0", "semantic.generation 0 is out of range 1-2047")]
    [InlineData("cells", "0", "semantic.cells 0 is out of range 1-65536")]
    [InlineData("nprobe", "0", "semantic.nprobe 0 must be at least 1")]
    [InlineData("nprobe", "\"two\"", "semantic.nprobe must be an integer")]
    public void A_bad_semantic_block_is_rejected_with_its_path(string field, string value, string expected)
    {
        var json = JsonNode.Parse(Semantic().ToJson())!;
        json["semantic"]![field] = JsonNode.Parse(value);

        var problems = RoutingTable.Validate(json.ToJsonString());

        problems.Should().Contain(p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Centroids_that_are_not_finite_or_do_not_fit_the_dimension_are_rejected()
    {
        var json = JsonNode.Parse(Semantic().ToJson())!;
        json["semantic"]!["centroids"] = SemanticCellAssigner.EncodeCentroids([0, 0, 10, 0, 20, float.NaN, 30, 0]);
        RoutingTable.Validate(json.ToJsonString()).Should().Contain(p => p.Contains("cell 2 component 1 is not a finite number", StringComparison.Ordinal));

        json = JsonNode.Parse(Semantic().ToJson())!;
        json["dimension"] = 4;
        RoutingTable.Validate(json.ToJsonString()).Should().Contain(p => p.Contains("holds 8 values but 4 cells of dimension 4 need 16", StringComparison.Ordinal));
    }

    [Fact]
    public void A_semantic_table_routes_a_point_to_the_owner_of_its_nearest_centroid_and_stamps_the_generation_key()
    {
        var table = Semantic();

        var route = table.Route(PointKey.FromUlong(7), [21, 3]);

        route.Cell.Should().Be(2);
        route.CellKey.Should().Be((1L << 20) + 2);
        route.PreviousCellKey.Should().BeNull();
        route.Targets.Should().Equal(1);
        table.CellDependsOnVector.Should().BeTrue();
        table.ReadPlan.Should().OnlyContain(read => read.KeyOffset == 1L << 20);
    }

    [Fact]
    public void A_search_probes_only_the_shards_owning_its_nearest_cells()
    {
        var table = Semantic();

        table.ShardReadPlan(table.ReadAssigner.CellsToProbe([2, 0])).Select(r => r.ShardId).Should().Equal(0);
        table.ShardReadPlan(table.ReadAssigner.CellsToProbe([14, 0], 2)).Select(r => r.ShardId).Should().Equal([0, 1], "cells 1 and 2 are on different shards");
    }

    [Theory]
    [InlineData(MigrationRule.ReadOldWriteBoth)]
    [InlineData(MigrationRule.ReadNewWriteBoth)]
    [InlineData(MigrationRule.ReadNewWriteNew)]
    public void A_repartition_table_round_trips_and_writes_old_and_new_owner_by_its_rule(MigrationRule rule)
    {
        var table = HashWithNext(rule);
        RoutingTable.Parse(table.ToJson()).ToJson().Should().Be(table.ToJson());

        // Point 1's hash cell is owned by one shard; its vector puts it in cell 3 (shard 1) of the next partition.
        var id = Enumerable.Range(1, 100).Select(i => PointKey.FromUlong((ulong)i)).First(k => table.OldOwner(table.Assigner.CellOf(k, [])) == 0);
        var route = table.Route(id, [29, 0]);

        route.Cell.Should().Be(3);
        route.CellKey.Should().Be((1L << 20) + 3);
        route.PreviousCellKey.Should().Be(table.Assigner.CellOf(id, []));
        route.Targets.Should().Equal(rule == MigrationRule.ReadNewWriteNew ? [1] : [0, 1]);
        table.Route(id, [1, 0]).Targets.Should().Equal([0], "old and new owner are the same shard");
        table.CellDependsOnVector.Should().BeTrue();
        FluentActions.Invoking(() => table.WriteTargets(0)).Should().Throw<InvalidOperationException>().WithMessage("*use Route*");
    }

    [Fact]
    public void Reads_of_a_repartition_select_old_keys_on_the_old_owners_then_new_keys_on_the_new_owners()
    {
        var before = HashWithNext(MigrationRule.ReadOldWriteBoth);
        before.ReadAssigner.Should().BeOfType<HashCellAssigner>();
        var read = before.ReadPlan.Single(r => r.ShardId == 1);
        read.IncludeAny.Should().Equal(
            new CellKeyCondition(PayloadFields.Cell, CellSet.Parse("4-7"), 0),
            new CellKeyCondition(PayloadFields.PreviousCell, CellSet.Parse("4-7"), 0));

        var after = HashWithNext(MigrationRule.ReadNewWriteBoth);
        after.ReadAssigner.Should().BeOfType<SemanticCellAssigner>();
        after.ReadPlan.Single(r => r.ShardId == 1).IncludeAny.Should().Equal(new CellKeyCondition(PayloadFields.Cell, CellSet.Parse("2-3"), 1L << 20));
        after.ShardReadPlan(after.ReadAssigner.CellsToProbe([1, 0])).Select(r => r.ShardId).Should().Equal(0);
    }

    [Fact]
    public void Completing_a_repartition_gives_a_stable_table_of_the_next_partition()
    {
        var done = HashWithNext(MigrationRule.ReadNewWriteNew).CompleteMigration(9);

        done.IsStable.Should().BeTrue();
        done.Assigner.Should().BeOfType<SemanticCellAssigner>();
        done.Shards.Select(s => s.Cells.ToString()).Should().Equal("0-1", "2-3");
        done.Route(PointKey.FromUlong(1), [29, 0]).Targets.Should().Equal(1);
    }

    [Fact]
    public void A_repartition_to_the_same_generation_or_with_moves_or_a_gap_is_rejected()
    {
        var json = JsonNode.Parse(HashWithNext(MigrationRule.ReadOldWriteBoth).ToJson())!;
        json["migration"]!["moves"] = JsonNode.Parse("""[{ "cells": "0", "from": 0, "to": 1 }]""");
        json["migration"]!["next"]!["shards"]![1]!["cells"] = "3";
        var problems = RoutingTable.Validate(json.ToJsonString());
        problems.Should().Contain(p => p.Contains("cell 2 is owned by no next shard", StringComparison.Ordinal));

        var semantic = Semantic();
        var same = new Repartition(Line(generation: 1), new CellAssignment(4, new Dictionary<int, CellSet> { [0] = CellSet.Parse("0-3") }));
        FluentActions.Invoking(() => semantic.StartRepartition(4, "r", same)).Should().Throw<RoutingTableException>().WithMessage("*another partition generation*");
        var withMoves = new TableMigration("r", MigrationRule.ReadOldWriteBoth, [new CellMove(CellSet.Parse("0"), 0, 1)], new Repartition(Line(generation: 2), same.Ownership));
        FluentActions.Invoking(() => RoutingTable.Create("docs", "default", 4, Line(), 2, Distance.Euclid, semantic.Shards, withMoves))
            .Should().Throw<RoutingTableException>().WithMessage("*migration.moves must be empty*");
    }

    [Fact]
    public void Centroids_of_another_dimension_or_distance_than_the_table_are_rejected()
    {
        FluentActions.Invoking(() => RoutingTable.Create("docs", "default", 1, Line(), 2, Distance.Cosine, [Shard(0, "0-3")]))
            .Should().Throw<RoutingTableException>().WithMessage("*trained for distance Euclid but the collection's distance is Cosine*");
    }
}

public sealed class SemanticCosineRoundTripTests
{
    [Fact]
    public void Cosine_centroids_read_back_from_json_are_bit_for_bit_the_same()
    {
        var random = new Random(5);
        var centroids = Enumerable.Range(0, 16 * 24).Select(_ => (float)(random.NextDouble() * 3 - 1.5)).ToArray();
        var table = RoutingTable.Create("docs", "default", 1, new SemanticCellAssigner(1, 24, Distance.Cosine, centroids, 2), 24, Distance.Cosine,
            [new RoutingShard(0, "http://docs-shard-0.default.svc:6333", CellSet.Parse("0-15"))]);

        var again = RoutingTable.Parse(table.ToJson());

        again.Assigner.IsEquivalentTo(table.Assigner).Should().BeTrue();
        again.SameDocumentAs(table).Should().BeTrue();
        RoutingTable.Parse(again.ToJson()).ToJson().Should().Be(table.ToJson());
    }
}
