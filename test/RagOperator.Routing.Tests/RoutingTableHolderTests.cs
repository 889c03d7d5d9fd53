using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class RoutingTableHolderTests
{
    private static RoutingTable Table(long version, string collection = "docs", string cells0 = "0-7", string cells1 = "8-15") =>
        RoutingTable.Create(collection, "default", version, new HashCellAssigner(16), 4, Distance.Cosine,
        [
            new RoutingShard(0, "http://s0:6333", CellSet.Parse(cells0)),
            new RoutingShard(1, "http://s1:6333", CellSet.Parse(cells1)),
        ]);

    [Fact]
    public void A_new_holder_serves_nothing_until_a_table_is_accepted()
    {
        var holder = new RoutingTableHolder("docs", "default");

        holder.IsLoaded.Should().BeFalse();
        holder.Version.Should().Be(0);

        holder.Offer(Table(3).ToJson()).Outcome.Should().Be(RoutingTableUpdateOutcome.Accepted);
        holder.IsLoaded.Should().BeTrue();
        holder.Version.Should().Be(3);
    }

    [Fact]
    public void A_stale_version_is_rejected_and_the_last_good_table_keeps_serving()
    {
        var holder = new RoutingTableHolder("docs", "default");
        holder.Offer(Table(5));

        var update = holder.Offer(Table(4, cells0: "0-3", cells1: "4-15"));

        update.Outcome.Should().Be(RoutingTableUpdateOutcome.StaleVersion);
        update.Reason.Should().Contain("version goes backwards (serving v5)");
        update.Current!.Version.Should().Be(5);
        holder.Current!.Shards[0].Cells.ToString().Should().Be("0-7");
        holder.LastRejection.Should().Be(update);
    }

    [Fact]
    public void The_same_table_again_is_not_a_rejection_but_the_same_version_with_other_content_is()
    {
        var holder = new RoutingTableHolder("docs");
        holder.Offer(Table(5));

        holder.Offer(Table(5).ToJson()).Outcome.Should().Be(RoutingTableUpdateOutcome.AlreadyServing);
        holder.LastRejection.Should().BeNull();

        var conflict = holder.Offer(Table(5, cells0: "0-3", cells1: "4-15"));
        conflict.Outcome.Should().Be(RoutingTableUpdateOutcome.ConflictingVersion);
        conflict.Rejected.Should().BeTrue();
        holder.Current!.Shards[0].Cells.ToString().Should().Be("0-7");
    }

    [Fact]
    public void A_table_of_another_collection_is_rejected()
    {
        var holder = new RoutingTableHolder("docs", "default");
        holder.Offer(Table(1));

        var update = holder.Offer(Table(2, collection: "images"));

        update.Outcome.Should().Be(RoutingTableUpdateOutcome.WrongCollection);
        update.Reason.Should().Contain("default/images").And.Contain("default/docs");
        holder.Version.Should().Be(1);
    }

    [Fact]
    public void An_invalid_document_is_rejected_with_the_parse_error_and_the_last_good_table_keeps_serving()
    {
        var holder = new RoutingTableHolder("docs", "default");
        holder.Offer(Table(1));
        var broken = Table(2).ToJson().Replace("\"8-15\"", "\"9-15\"", StringComparison.Ordinal);

        var update = holder.Offer(broken);

        update.Outcome.Should().Be(RoutingTableUpdateOutcome.Invalid);
        update.Reason.Should().Contain("cell 8 is owned by no shard");
        holder.Version.Should().Be(1);
    }

    [Fact]
    public async Task Readers_never_see_the_version_go_backwards_while_tables_are_offered_concurrently()
    {
        var holder = new RoutingTableHolder("docs", "default");
        holder.Offer(Table(1));
        var tables = Enumerable.Range(2, 300).Select(v => Table(v)).ToArray();
        var stop = 0;
        var readerFailures = 0;

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var last = 0L;
            for (var i = 0; i < 2_000_000 && Volatile.Read(ref stop) == 0; i++)
            {
                var current = holder.Current!;
                if (current.Version < last || current.WriteTargets(3).Length != 1)
                {
                    Interlocked.Increment(ref readerFailures);
                }

                last = current.Version;
            }
        })).ToArray();

        // Two writers offer the same versions in opposite orders; only increases may be accepted.
        var writers = new[]
        {
            Task.Run(() => { foreach (var t in tables) { holder.Offer(t); } }),
            Task.Run(() => { foreach (var t in tables.Reverse()) { holder.Offer(t); } }),
        };
        await Task.WhenAll(writers);
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(readers);

        readerFailures.Should().Be(0);
        holder.Version.Should().Be(301);
    }
}
