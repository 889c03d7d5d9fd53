using FluentAssertions;
using RagOperator.Operator.Migration;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

public sealed class MigrationTablesTests
{
    private const int Slots = 64;

    private static string Endpoint(int shard) => $"http://docs-shard-{shard}.search.svc:6333";

    private static RoutingTable Stable(int shards, long version = 3) =>
        RoutingTable.Create("docs", "search", version, new HashCellAssigner(Slots), 8, Distance.Cosine,
            RebalancePlanner.InitialAssignment(Slots, shards).Shards.Select(s => new RoutingShard(s.Key, Endpoint(s.Key), s.Value)));

    private static MigrationTables Tables(RoutingTable published, RebalancePlan plan, string id = "docs-2to3-v3") =>
        new(published, id, plan.Moves, Endpoint);

    [Fact]
    public void Every_table_of_a_scale_out_is_built_and_recognised_again()
    {
        var stable = Stable(2);
        var plan = RebalancePlanner.Plan(stable.OldAssignment(), 3);
        var tables = Tables(stable, plan);

        tables.PublishedKind.Should().Be(MigrationTable.StableOld);
        tables.AddedShards.Should().Equal(2);
        tables.DrainedShards.Should().BeEmpty();
        var version = stable.Version;
        foreach (var kind in new[] { MigrationTable.ReadOldWriteBoth, MigrationTable.ReadNewWriteBoth, MigrationTable.ReadNewWriteNew, MigrationTable.StableNew, MigrationTable.StableOld })
        {
            var table = tables.Build(kind, ++version);
            table.Version.Should().Be(version);
            MigrationTables.Classify(table, "docs-2to3-v3", plan.Moves).Should().Be(kind);
            Tables(table, plan).Old!.OwnerByCell().Should().Equal(plan.Before.OwnerByCell(), "the old ownership follows from any of the tables");
        }
    }

    [Fact]
    public void The_copy_table_lists_the_new_shard_owning_nothing_yet_with_the_moves_and_rule()
    {
        var stable = Stable(2);
        var plan = RebalancePlanner.Plan(stable.OldAssignment(), 3);

        var table = Tables(stable, plan).Build(MigrationTable.ReadOldWriteBoth, 4);

        table.Shards.Select(s => s.Id).Should().Equal(0, 1, 2);
        table.Shard(2).Cells.IsEmpty.Should().BeTrue();
        table.Shard(2).Endpoint.Should().Be(Endpoint(2));
        table.Migration!.Rule.Should().Be(MigrationRule.ReadOldWriteBoth);
        table.Migration.Moves.Should().Equal(plan.Moves);
        table.NewAssignment().OwnerByCell().Should().Equal(plan.After.OwnerByCell());
    }

    [Fact]
    public void The_stable_table_after_a_scale_in_leaves_the_drained_shards_out_and_a_rollback_keeps_them()
    {
        var stable = Stable(4);
        var plan = RebalancePlanner.Plan(stable.OldAssignment(), 2);
        var tables = Tables(stable, plan, "docs-4to2-v3");

        tables.DrainedShards.Should().Equal(2, 3);
        tables.AddedShards.Should().BeEmpty();
        tables.Build(MigrationTable.ReadNewWriteNew, 6).Shards.Select(s => s.Id).Should().Equal(0, 1, 2, 3);
        var done = tables.Build(MigrationTable.StableNew, 7);
        done.Shards.Select(s => s.Id).Should().Equal(0, 1);
        done.IsStable.Should().BeTrue();
        tables.Build(MigrationTable.StableOld, 8).Shards.Select(s => s.Id).Should().Equal(0, 1, 2, 3);

        // A restarted operator that finds the new stable table rebuilds the same plan from it.
        var again = Tables(done, plan, "docs-4to2-v3");
        again.PublishedKind.Should().Be(MigrationTable.StableNew);
        again.DrainedShards.Should().Equal(2, 3);
        again.Old!.OwnerByCell().Should().Equal(plan.Before.OwnerByCell());
    }

    [Fact]
    public void A_rollback_table_of_a_scale_out_drops_the_added_shard_again()
    {
        var stable = Stable(2);
        var plan = RebalancePlanner.Plan(stable.OldAssignment(), 3);
        var copying = Tables(stable, plan).Build(MigrationTable.ReadOldWriteBoth, 4);

        var rollback = Tables(copying, plan).Build(MigrationTable.StableOld, 5);

        rollback.Shards.Select(s => s.Id).Should().Equal(0, 1);
        rollback.OldAssignment().OwnerByCell().Should().Equal(stable.OldAssignment().OwnerByCell());
    }

    [Fact]
    public void A_table_of_another_migration_or_with_half_moved_cells_is_recognised_as_none_of_them()
    {
        var stable = Stable(2);
        var plan = RebalancePlanner.Plan(stable.OldAssignment(), 3);
        var foreign = Tables(stable, plan, "other-migration").Build(MigrationTable.ReadOldWriteBoth, 4);
        MigrationTables.Classify(foreign, "docs-2to3-v3", plan.Moves).Should().BeNull();

        var fourWay = RebalancePlanner.Plan(stable.OldAssignment(), 4);
        var halfMoved = RoutingTable.Create("docs", "search", 9, new HashCellAssigner(Slots), 8, Distance.Cosine,
            RebalancePlanner.ApplyMoves(stable.OldAssignment(), fourWay.Moves.Take(1)).Shards.Select(s => new RoutingShard(s.Key, Endpoint(s.Key), s.Value)));
        MigrationTables.Classify(halfMoved, "docs-2to4-v3", fourWay.Moves).Should().BeNull();
        var act = () => Tables(halfMoved, fourWay, "docs-2to4-v3").Build(MigrationTable.StableNew, 10);
        act.Should().Throw<InvalidOperationException>();
    }
}
