using FluentAssertions;
using RagOperator.Operator.Migration;
using RagOperator.Qdrant;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

public sealed class CellCopierTests : IAsyncLifetime
{
    private static readonly CellSet Moved = CellSet.FromRange(5, 9);
    private QdrantShards shards = null!;

    public async Task InitializeAsync()
    {
        shards = await QdrantShards.StartAsync(2);

        // 60 points on the source, cell = id % 10, version 1000 + id.
        await shards.WriteAsync(0, [.. Enumerable.Range(1, 60).Select(i => QdrantShards.Point((ulong)i, i % 10, 1000 + i, i))]);
    }

    public async Task DisposeAsync() => await shards.DisposeAsync();

    [Fact]
    public async Task Copy_brings_every_point_of_the_moved_cells_to_the_target_and_nothing_else()
    {
        var slice = await new CellCopier(shards.Clients[0], shards.Clients[1], QdrantShards.Collection, Moved, new CopyOptions { BatchSize = 7 }).CopyAllAsync();

        var source = await shards.ReadAsync(0);
        var target = await shards.ReadAsync(1);
        target.Should().BeEquivalentTo(source.Where(p => Moved.Contains(p.Value.Cell)).ToDictionary(p => p.Key, p => p.Value));
        source.Should().HaveCount(60, "copying leaves the source alone");
        slice.Finished.Should().BeTrue();
        slice.Scanned.Should().Be(30);
        slice.Upserted.Should().Be(30);
    }

    [Fact]
    public async Task Copy_never_overwrites_a_newer_version_on_the_target_but_replaces_older_ones()
    {
        await shards.WriteAsync(1,
            QdrantShards.Point(5, 5, 9_000, seq: 555),   // newer than the source's 1005
            QdrantShards.Point(6, 6, 10, seq: 666));     // older than the source's 1006

        await new CellCopier(shards.Clients[0], shards.Clients[1], QdrantShards.Collection, Moved).CopyAllAsync();

        var target = await shards.ReadAsync(1);
        target[5].Should().Be((9_000L, 555L, 5), "a newer write on the target wins over the copy");
        target[6].Should().Be((1006L, 6L, 6), "an older copy on the target is replaced");
    }

    [Fact]
    public async Task A_router_write_landing_between_the_version_read_and_the_upsert_survives_the_copy()
    {
        var target = new HookedQdrantClient(shards.Clients[1]);
        await shards.WriteAsync(1, QdrantShards.Point(15, 5, 10, seq: 1));
        var raced = false;
        target.AfterScroll = async (request, _) =>
        {
            if (raced || request.Filter?.Must is not [Qdrant.Filters.HasIdCondition, ..]) return;
            raced = true;

            // The router writes both owners while the copier holds versions it has just read.
            await shards.WriteAsync(1, QdrantShards.Point(5, 5, 50_000, seq: 777), QdrantShards.Point(15, 5, 50_001, seq: 778));
        };

        await new CellCopier(shards.Clients[0], target, QdrantShards.Collection, Moved).CopyAllAsync();

        var onTarget = await shards.ReadAsync(1);
        raced.Should().BeTrue();
        onTarget[5].Seq.Should().Be(777, "the point was absent when read; the guarded upsert must not replace what the router inserted since");
        onTarget[15].Seq.Should().Be(778, "the point was older when read; the guarded upsert must not replace the router's newer write");
        onTarget[25].Seq.Should().Be(25, "points nobody raced with are copied");
    }

    [Fact]
    public async Task A_copy_resumes_from_its_checkpoint_and_copies_no_point_twice()
    {
        var target = new HookedQdrantClient(shards.Clients[1]);
        var copier = new CellCopier(shards.Clients[0], target, QdrantShards.Collection, Moved, new CopyOptions { BatchSize = 4 });
        PointId? checkpoint = null;
        var starts = new List<string>();
        var calls = 0;
        CopySlice slice;
        do
        {
            // Budget zero: one batch per call, as if the operator stopped after each checkpoint.
            starts.Add(checkpoint?.ToString() ?? "-");
            slice = await copier.CopyAsync(checkpoint, (batch, _) =>
            {
                checkpoint = batch.NextOffset;
                return Task.CompletedTask;
            }, TimeSpan.Zero, CancellationToken.None);
            calls++;
        }
        while (!slice.Finished && calls < 100);

        slice.Finished.Should().BeTrue();
        calls.Should().Be(8, "30 points in batches of 4");
        target.Upserted.Should().OnlyHaveUniqueItems().And.HaveCount(30);
        starts.Skip(1).Should().OnlyHaveUniqueItems().And.NotContain("-", "every later call starts at the previous checkpoint");
    }

    [Fact]
    public async Task The_next_page_is_being_read_while_the_current_batch_is_written()
    {
        var source = new HookedQdrantClient(shards.Clients[0]);
        var target = new HookedQdrantClient(shards.Clients[1]);
        var overlaps = 0;
        var upserts = 0;
        target.BeforeUpsert = (points, _) =>
        {
            upserts++;

            // The scroll of the page after this batch was started before this batch's upsert.
            var started = source.Log.Count(e => e.StartsWith("scroll-start", StringComparison.Ordinal));
            if (started > upserts) overlaps++;
            return Task.CompletedTask;
        };

        await new CellCopier(source, target, QdrantShards.Collection, Moved, new CopyOptions { BatchSize = 5 }).CopyAllAsync();

        upserts.Should().Be(6);
        overlaps.Should().Be(5, "every batch but the last overlaps the read of the next page");
    }

    [Fact]
    public async Task A_rate_limited_copy_takes_one_token_per_point_written_and_none_for_points_already_there()
    {
        var bucket = new TokenBucket(ratePerSecond: 1000, burst: 1000, new SteppedClock());
        await shards.WriteAsync(1, QdrantShards.Point(5, 5, 1005, seq: 5), QdrantShards.Point(15, 5, 1015, seq: 15));

        var slice = await new CellCopier(shards.Clients[0], shards.Clients[1], QdrantShards.Collection, Moved, new CopyOptions { BatchSize = 8, Limiter = bucket }).CopyAllAsync();

        slice.Upserted.Should().Be(28);
        bucket.Available.Should().Be(972);
    }

    [Fact]
    public async Task Points_written_after_the_watermark_are_left_to_the_routers_and_points_without_a_version_are_copied()
    {
        await shards.WriteAsync(0, new RagOperator.Qdrant.Models.PointStruct(PointId.FromNumber(95), [1, 1, 1, 1], new System.Text.Json.Nodes.JsonObject
        {
            [PayloadFields.Cell] = 5,
            ["seq"] = 95,
        }));

        var slice = await new CellCopier(shards.Clients[0], shards.Clients[1], QdrantShards.Collection, Moved, new CopyOptions { Watermark = 1030 }).CopyAllAsync();

        var target = await shards.Clients[1].CountAsync(QdrantShards.Collection);
        slice.Scanned.Should().Be(15 + 1, "ids 5-9, 15-19 and 25-29 have versions below 1030, and point 95 has none");
        target.Should().Be(16UL);
    }

    [Fact]
    public async Task A_failing_target_stops_the_copy_without_moving_the_checkpoint_past_unwritten_points()
    {
        var checkpoints = new List<PointId?>();
        var copier = new CellCopier(shards.Clients[0], shards.Clients[1], QdrantShards.Collection, Moved, new CopyOptions { BatchSize = 10 });
        shards.Servers[1].Faults.FailNext(3);

        var act = () => copier.CopyAsync(null, (batch, _) =>
        {
            checkpoints.Add(batch.NextOffset);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(5), CancellationToken.None);

        await act.Should().ThrowAsync<QdrantException>();
        checkpoints.Should().BeEmpty("no batch was written, so no checkpoint may be taken");
    }
}
