using FluentAssertions;
using RagOperator.Operator.Migration;
using RagOperator.Qdrant;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

public sealed class CellVerifierTests : IAsyncLifetime
{
    private static readonly CellSet Moved = CellSet.FromRange(0, 4);
    private QdrantShards shards = null!;

    public async Task InitializeAsync() => shards = await QdrantShards.StartAsync(2);

    public async Task DisposeAsync() => await shards.DisposeAsync();

    private CellVerifier Verifier(IQdrantClient? source = null, IQdrantClient? target = null, int window = 512) =>
        new(source ?? shards.Clients[0], target ?? shards.Clients[1], QdrantShards.Collection, Moved, window);

    private async Task<List<Repair>> PassAsync(CellVerifier verifier)
    {
        var repairs = new List<Repair>();
        PointId? offset = null;
        for (var windows = 0; windows < 1000; windows++)
        {
            var window = await verifier.VerifyWindowAsync(offset, passClean: repairs.Count == 0, CancellationToken.None);
            repairs.AddRange(window.Repairs);
            if (window.Finished) return repairs;
            offset = window.NextOffset;
        }

        throw new InvalidOperationException("the pass did not end");
    }

    [Fact]
    public async Task A_pass_over_identical_copies_finds_no_difference()
    {
        var points = Enumerable.Range(1, 20).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i)).ToArray();
        await shards.WriteAsync(0, points);
        await shards.WriteAsync(1, points);

        (await PassAsync(Verifier())).Should().BeEmpty();
    }

    [Fact]
    public async Task Verify_repairs_every_kind_of_difference_and_the_next_pass_is_clean()
    {
        await shards.WriteAsync(0,
            QdrantShards.Point(1, 1, 10, seq: 1),
            QdrantShards.Point(2, 2, 10, seq: 2),
            QdrantShards.Point(3, 3, 20, seq: 3),
            QdrantShards.Point(5, 0, 25, seq: 5));
        await shards.WriteAsync(1,
            QdrantShards.Point(1, 1, 10, seq: 1),      // same
            QdrantShards.Point(3, 3, 15, seq: 30),     // older than the source
            QdrantShards.Point(4, 4, 10, seq: 4),      // deleted on the source during the copy
            QdrantShards.Point(5, 0, 30, seq: 50));    // newer than the source: a write that reached only the target

        var repairs = await PassAsync(Verifier());

        repairs.Select(r => (r.Id.Number, r.Kind)).Should().BeEquivalentTo(new[]
        {
            (2UL, RepairKind.CopiedToTarget),
            (3UL, RepairKind.CopiedToTarget),
            (4UL, RepairKind.DeletedFromTarget),
            (5UL, RepairKind.CopiedToSource),
        });
        var source = await shards.ReadAsync(0);
        var target = await shards.ReadAsync(1);
        target.Should().BeEquivalentTo(source);
        target.Keys.Should().BeEquivalentTo(new ulong[] { 1, 2, 3, 5 });
        source[5].Seq.Should().Be(50);
        (await PassAsync(Verifier())).Should().BeEmpty("the repairs made both sides equal");
    }

    [Fact]
    public async Task A_point_deleted_on_both_owners_during_the_copy_is_deleted_from_the_target_again()
    {
        var points = Enumerable.Range(1, 30).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i)).ToArray();
        await shards.WriteAsync(0, points);

        // The copier read points 7 and 8, then the router deleted them on both owners, then the copier wrote them.
        var copy = new CellCopier(shards.Clients[0], new HookedQdrantClient(shards.Clients[1])
        {
            BeforeUpsert = async (_, _) =>
            {
                await shards.DeleteAsync(0, 7, 8);
                await shards.DeleteAsync(1, 7, 8);
            },
        }, QdrantShards.Collection, Moved);
        await copy.CopyAllAsync();
        (await shards.ReadAsync(1)).Keys.Should().Contain([7UL, 8UL], "this is the resurrection the verify pass exists for");

        var repairs = await PassAsync(Verifier());

        repairs.Should().OnlyContain(r => r.Kind == RepairKind.DeletedFromTarget).And.HaveCount(2);
        (await shards.ReadAsync(1)).Keys.Should().NotContain([7UL, 8UL]);
    }

    [Fact]
    public async Task A_delete_repair_never_removes_a_newer_write_that_landed_in_between()
    {
        await shards.WriteAsync(1, QdrantShards.Point(4, 4, 10, seq: 4));
        var target = new HookedQdrantClient(shards.Clients[1])
        {
            // Between the second look and the delete, the router writes the point again on both owners.
            BeforeDeleteByFilter = async _ =>
            {
                await shards.WriteAsync(0, QdrantShards.Point(4, 4, 99, seq: 44));
                await shards.WriteAsync(1, QdrantShards.Point(4, 4, 99, seq: 44));
            },
        };

        var repairs = await PassAsync(Verifier(target: target));

        repairs.Should().ContainSingle(r => r.Kind == RepairKind.DeletedFromTarget);
        (await shards.ReadAsync(1))[4].Should().Be((99L, 44L, 4), "the guard names the version seen, so the newer write stays");
    }

    [Fact]
    public async Task A_copy_to_the_source_never_brings_back_a_point_deleted_in_between()
    {
        await shards.WriteAsync(0, QdrantShards.Point(6, 1, 10, seq: 6));
        await shards.WriteAsync(1, QdrantShards.Point(6, 1, 20, seq: 66));   // newer on the target
        var source = new HookedQdrantClient(shards.Clients[0])
        {
            // The router deletes the point on both owners after the verifier read it from the target.
            BeforeUpsert = async (_, _) =>
            {
                await shards.DeleteAsync(0, 6);
                await shards.DeleteAsync(1, 6);
            },
        };

        var repairs = await PassAsync(Verifier(source: source));

        repairs.Should().ContainSingle(r => r.Kind == RepairKind.CopiedToSource);
        source.Upserted.Should().ContainSingle("the repair was attempted");
        (await shards.ReadAsync(0)).Should().BeEmpty("an update-only write cannot re-create the deleted point on the source");
        (await PassAsync(Verifier())).Should().BeEmpty();
    }

    [Fact]
    public async Task A_write_in_flight_during_the_scan_is_not_counted_as_a_difference()
    {
        var points = Enumerable.Range(1, 10).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i)).ToArray();
        await shards.WriteAsync(0, points);
        await shards.WriteAsync(1, points);
        var wrote = false;
        var target = new HookedQdrantClient(shards.Clients[1])
        {
            // Right after the target's page was read, the router updates point 3 on both owners.
            AfterScroll = async (request, _) =>
            {
                if (wrote || request.Filter?.Must is not null) return;
                wrote = true;
                await shards.WriteAsync(0, QdrantShards.Point(3, 3, 500, seq: 333));
                await shards.WriteAsync(1, QdrantShards.Point(3, 3, 500, seq: 333));
            },
        };

        var repairs = await PassAsync(Verifier(target: target));

        wrote.Should().BeTrue();
        repairs.Should().BeEmpty("the second look sees both owners agree");
    }

    [Fact]
    public async Task A_write_that_reaches_the_target_only_at_the_third_look_is_not_counted_as_a_difference()
    {
        var points = Enumerable.Range(1, 10).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i)).ToArray();
        await shards.WriteAsync(0, points);
        await shards.WriteAsync(1, points);
        await shards.WriteAsync(0, QdrantShards.Point(3, 3, 500, seq: 333));
        var targetLooks = 0;
        var target = new HookedQdrantClient(shards.Clients[1])
        {
            // The router's write to the target is slow: it lands after the target was read twice by id.
            AfterScroll = async (request, _) =>
            {
                if (request.Filter?.Must is null || ++targetLooks != 2) return;
                await shards.WriteAsync(1, QdrantShards.Point(3, 3, 500, seq: 333));
            },
        };

        var repairs = await PassAsync(Verifier(target: target));

        targetLooks.Should().Be(3);
        repairs.Should().BeEmpty("the third look sees both owners agree");
    }

    [Fact]
    public async Task Once_a_pass_has_repaired_a_point_its_later_windows_read_their_differences_again_only_once()
    {
        var points = Enumerable.Range(1, 10).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i)).ToArray();
        await shards.WriteAsync(0, points);
        await shards.WriteAsync(1, points.Where(p => p.Id.Number is not (2 or 9)).ToArray());
        var targetLooks = 0;
        var target = new HookedQdrantClient(shards.Clients[1])
        {
            AfterScroll = (request, _) =>
            {
                if (request.Filter?.Must is not null) targetLooks++;
                return Task.CompletedTask;
            },
        };

        var repairs = await PassAsync(Verifier(target: target, window: 5));

        repairs.Select(r => r.Id).Should().Equal(PointId.FromNumber(2), PointId.FromNumber(9));
        targetLooks.Should().Be(SecondLook.Looks + 1, "the first window's difference gets every look, the second window's one look");
    }

    [Fact]
    public async Task A_difference_seen_at_every_look_is_repaired()
    {
        var points = Enumerable.Range(1, 10).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i)).ToArray();
        await shards.WriteAsync(0, points);
        await shards.WriteAsync(1, points[..^1]);
        var targetLooks = 0;
        var target = new HookedQdrantClient(shards.Clients[1])
        {
            AfterScroll = (request, _) =>
            {
                if (request.Filter?.Must is not null) targetLooks++;
                return Task.CompletedTask;
            },
        };

        var repairs = await PassAsync(Verifier(target: target));

        targetLooks.Should().Be(SecondLook.Looks);
        repairs.Should().ContainSingle().Which.Should().Be(new Repair(PointId.FromNumber(10), RepairKind.CopiedToTarget, 110, null));
    }

    [Fact]
    public async Task Small_windows_cover_every_point_even_when_one_side_holds_more_than_the_other()
    {
        await shards.WriteAsync(0, [.. Enumerable.Range(1, 40).Where(i => i % 3 != 0).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i))]);
        await shards.WriteAsync(1, [.. Enumerable.Range(1, 40).Where(i => i % 4 != 0).Select(i => QdrantShards.Point((ulong)i, i % 5, 100 + i, i))]);

        var repairs = await PassAsync(Verifier(window: 3));

        var expectedCopies = Enumerable.Range(1, 40).Where(i => i % 3 != 0 && i % 4 == 0).Select(i => (ulong)i);
        var expectedDeletes = Enumerable.Range(1, 40).Where(i => i % 3 == 0 && i % 4 != 0).Select(i => (ulong)i);
        repairs.Where(r => r.Kind == RepairKind.CopiedToTarget).Select(r => r.Id.Number).Should().BeEquivalentTo(expectedCopies);
        repairs.Where(r => r.Kind == RepairKind.DeletedFromTarget).Select(r => r.Id.Number).Should().BeEquivalentTo(expectedDeletes);
        (await shards.ReadAsync(1)).Should().BeEquivalentTo(await shards.ReadAsync(0));
    }

    [Fact]
    public async Task Points_of_cells_that_do_not_move_are_left_alone()
    {
        await shards.WriteAsync(1, QdrantShards.Point(9, 7, 10, seq: 9));

        (await PassAsync(Verifier())).Should().BeEmpty();
        (await shards.ReadAsync(1)).Keys.Should().Contain(9UL);
    }

    // A semantic point follows its vector: an update can move it to a cell outside the move. When that write reached
    // only some shards (it was not acknowledged), the other side keeps an older copy inside the moving cells.
    [Fact]
    public async Task A_source_copy_overtaken_by_a_newer_copy_outside_the_moving_cells_is_not_a_difference()
    {
        await shards.WriteAsync(0, QdrantShards.Point(1, 1, 10, seq: 1));
        await shards.WriteAsync(1, QdrantShards.Point(1, 7, 20, seq: 2));

        (await PassAsync(Verifier())).Should().BeEmpty("the source's copy is older, and the moved cells leave the source at clean-up");
        (await shards.ReadAsync(1))[1].Should().Be((20L, 2L, 7), "the newer copy stays where its vector put it");
    }

    [Fact]
    public async Task A_target_copy_overtaken_by_a_newer_copy_outside_the_moving_cells_is_deleted_from_the_target()
    {
        await shards.WriteAsync(0, QdrantShards.Point(2, 7, 20, seq: 2));
        await shards.WriteAsync(1, QdrantShards.Point(2, 1, 10, seq: 1));

        var repairs = await PassAsync(Verifier());

        repairs.Select(r => (r.Id.Number, r.Kind)).Should().Equal((2UL, RepairKind.DeletedFromTarget));
        (await shards.ReadAsync(1)).Should().NotContainKey(2UL, "after the cut-over it would be a second copy of the point");
        (await shards.ReadAsync(0))[2].Should().Be((20L, 2L, 7));
        (await PassAsync(Verifier())).Should().BeEmpty();
    }

    [Fact]
    public async Task A_newer_copy_inside_the_moving_cells_replaces_an_older_one_outside_them_on_either_side()
    {
        await shards.WriteAsync(0, QdrantShards.Point(3, 1, 20, seq: 3), QdrantShards.Point(4, 7, 10, seq: 4));
        await shards.WriteAsync(1, QdrantShards.Point(3, 7, 10, seq: 30), QdrantShards.Point(4, 2, 20, seq: 40));

        var repairs = await PassAsync(Verifier());

        repairs.Select(r => (r.Id.Number, r.Kind)).Should().BeEquivalentTo(new[] { (3UL, RepairKind.CopiedToTarget), (4UL, RepairKind.CopiedToSource) });
        (await shards.ReadAsync(1))[3].Should().Be((20L, 3L, 1));
        (await shards.ReadAsync(0))[4].Should().Be((20L, 40L, 2));
        (await PassAsync(Verifier())).Should().BeEmpty();
    }
}
