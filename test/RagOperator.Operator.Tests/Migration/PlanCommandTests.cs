using FluentAssertions;
using RagOperator.Operator.Cli;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

public sealed class PlanCommandTests
{
    private static FileInfo Sample => new(Path.Combine(AppContext.BaseDirectory, "samples", "ragoperator_v1alpha1_vectorcollection.yaml"));

    [Fact]
    public void The_plan_for_two_to_three_shards_lists_the_moves_and_what_they_cost_against_the_optimum_and_hash_mod_n()
    {
        var text = PlanCommand.Plan([Sample], 3, "25000", only: null);

        text.Should().Contain("Collection default/docs: 2 -> 3 shards, 16384 cells");
        text.Should().Contain("Shards added (created and ready before copying): 2");
        text.Should().Contain("cells 5462-8191").And.Contain("shard 0 -> shard 2");
        text.Should().Contain("cells 13653-16383").And.Contain("shard 1 -> shard 2");
        text.Should().Contain("Cells moved: 5461 of 16384 (33.33 %)");
        text.Should().Contain("Points moved (estimated): 16666 of 50000");
        text.Should().Contain("hash % N baseline: 66.67 %");
        text.Should().Contain("Fraction moved vs optimum: 1.00x; vs hash % N: 0.50x");
    }

    [Fact]
    public void A_scale_in_plan_drains_only_the_removed_shards()
    {
        var collection = Fixtures.Collection(configure: spec => spec.Shards = 4);

        var plan = PlanCommand.PlanFor(collection, 2, PlanCommand.ParsePoints("100,200,300,400", 4));
        var text = PlanCommand.Format("search/docs", plan, PlanCommand.ParsePoints("100,200,300,400", 4));

        plan.Moves.Should().OnlyContain(m => m.From >= 2 && m.To < 2);
        text.Should().Contain("Shards drained (removed after cleanup): 2, 3");
        text.Should().Contain("Points moved (estimated): 700 of 1000");
        text.Should().NotContain("Points moved (estimated): 0");
    }

    [Fact]
    public void Without_point_counts_the_plan_shows_cells_only()
    {
        var text = PlanCommand.Plan([Sample], 4, null, "docs");

        text.Should().Contain("Cells moved: 8192 of 16384 (50.00 %)");
        text.Should().NotContain("Points moved").And.NotContain("~");
    }

    [Theory]
    [InlineData("1,2,3", "has 3 values but the collection has 2 shards")]
    [InlineData("-5", "'-5' is not a non-negative whole number")]
    [InlineData("lots", "'lots' is not a non-negative whole number")]
    public void Bad_point_counts_are_refused_with_the_reason(string points, string message)
    {
        var act = () => PlanCommand.Plan([Sample], 3, points, null);

        act.Should().Throw<Exception>().WithMessage($"*{message}*");
    }

    [Fact]
    public void A_collection_name_the_files_do_not_hold_or_an_impossible_shard_count_is_refused()
    {
        var unknown = () => PlanCommand.Plan([Sample], 3, null, "nope");
        var tooMany = () => PlanCommand.Plan([Sample], 20000, null, null);

        unknown.Should().Throw<ArgumentException>().WithMessage("*no VectorCollection named nope*");
        tooMany.Should().Throw<ArgumentException>().WithMessage("*--to-shards must be between 1 and the number of cells (16384)*");
    }
}
