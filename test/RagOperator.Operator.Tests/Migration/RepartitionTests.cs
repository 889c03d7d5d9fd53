using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Cli;
using RagOperator.Operator.Migration;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;
using Xunit;
using RoutingDistance = RagOperator.Routing.Distance;

namespace RagOperator.Operator.Tests.Migration;

/// <summary>The re-partition's tables, copier and verifier against in-process Qdrant shards, and the semantic rules.</summary>
public sealed class RepartitionTests : IAsyncLifetime
{
    private const int Slots = 64;
    private QdrantShards shards = null!;

    public async Task InitializeAsync() => shards = await QdrantShards.StartAsync(3);

    public async Task DisposeAsync() => await shards.DisposeAsync();

    private static string Endpoint(int shard) => $"http://docs-shard-{shard}.search.svc:6333";

    /// <summary>The provisional hash table: shards 0 and 1.</summary>
    private static RoutingTable Hash() =>
        RoutingTable.Create("docs", "search", 3, new HashCellAssigner(Slots), QdrantShards.Dimension, RoutingDistance.Dot,
            RebalancePlanner.InitialAssignment(Slots, 2).Shards.Select(s => new RoutingShard(s.Key, Endpoint(s.Key), s.Value)));

    /// <summary>
    /// A trained partition over <paramref name="shardCount"/> shards: four Dot centroids along the axes, cell c owned by
    /// shard c % shardCount. QdrantShards' vectors are [id % 7, id % 5, 1, seq % 3], so ids spread over the cells.
    /// </summary>
    private static RoutingTable Trained(int shardCount = 2)
    {
        var assigner = new SemanticCellAssigner(1, QdrantShards.Dimension, RoutingDistance.Dot, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], nprobe: 1);
        return RoutingTable.Create("docs", "search", 3, assigner, QdrantShards.Dimension, RoutingDistance.Dot,
            Enumerable.Range(0, shardCount).Select(s => new RoutingShard(s, Endpoint(s), CellSet.FromCells(Enumerable.Range(0, 4).Where(c => c % shardCount == s)))));
    }

    private static PointStruct Stamped(ulong id, long version) =>
        QdrantShards.Point(id, new HashCellAssigner(Slots).CellOf(PointKey.FromUlong(id)), version, seq: (long)id);

    private async Task LoadProvisionalAsync(IEnumerable<ulong> ids)
    {
        var hash = Hash();
        foreach (var group in ids.Select(id => Stamped(id, 100 + (long)id)).GroupBy(p => hash.OldOwner(hash.CellOf(PointKey.FromUlong(p.Id.Number)))))
        {
            await shards.WriteAsync(group.Key, [.. group]);
        }
    }

    private static int NewOwner(RoutingTable trained, PointStruct point) =>
        trained.Route(PointKey.FromUlong(point.Id.Number), point.Vector).Targets.Single();

    private async Task CopyAllAsync(RoutingTable from, RoutingTable to)
    {
        foreach (var source in from.Shards.Where(s => !s.Cells.IsEmpty))
        {
            var copier = new RepartitionCopier(source.Id, i => shards.Clients[i], QdrantShards.Collection, from, to, new CopyOptions { BatchSize = 7 });
            var slice = await copier.CopyAsync(null, (_, _) => Task.CompletedTask, TimeSpan.FromMinutes(1), CancellationToken.None);
            slice.Finished.Should().BeTrue();
        }
    }

    private async Task<List<Repair>> VerifyAllAsync(RoutingTable from, RoutingTable to)
    {
        var repairs = new List<Repair>();
        foreach (var source in from.Shards.Where(s => !s.Cells.IsEmpty))
        {
            var verifier = new RepartitionVerifier(source.Id, i => shards.Clients[i], QdrantShards.Collection, from, to, windowSize: 5);
            PointId? offset = null;
            for (var windows = 0; windows < 1000; windows++)
            {
                var window = await verifier.VerifyWindowAsync(offset, passClean: repairs.Count == 0, CancellationToken.None);
                repairs.AddRange(window.Repairs);
                if (window.Finished) break;
                offset = window.NextOffset;
            }
        }

        return repairs;
    }

    [Fact]
    public void Every_table_of_a_repartition_is_built_and_recognised_again()
    {
        var hash = Hash();
        var trained = Trained(3);
        var tables = MigrationTables.ForRepartition(hash, "docs-repartition-g1-v3", hash, trained, Endpoint);

        tables.PublishedKind.Should().Be(MigrationTable.StableOld);
        tables.AddedShards.Should().Equal(2);
        tables.DrainedShards.Should().BeEmpty();
        var version = hash.Version;
        foreach (var kind in new[] { MigrationTable.ReadOldWriteBoth, MigrationTable.ReadNewWriteBoth, MigrationTable.ReadNewWriteNew, MigrationTable.StableNew })
        {
            var table = tables.Build(kind, ++version);
            MigrationTables.ClassifyRepartition(table, "docs-repartition-g1-v3", hash, trained).Should().Be(kind);
            MigrationTables.ForRepartition(table, "docs-repartition-g1-v3", hash, trained, Endpoint).PublishedKind.Should().Be(kind);
        }

        var stableNew = tables.Build(MigrationTable.StableNew, ++version);
        stableNew.Assigner.IsEquivalentTo(trained.Assigner).Should().BeTrue();
        stableNew.Shards.Select(s => s.Id).Should().Equal(0, 1, 2);
        tables.Build(MigrationTable.ReadOldWriteBoth, ++version).Migration!.Next!.Ownership.CellsOf(2).ToString().Should().Be("2");
    }

    [Fact]
    public async Task The_copy_puts_every_point_on_its_new_owner_restamped_and_the_verify_pass_is_then_clean()
    {
        var ids = Enumerable.Range(1, 60).Select(i => (ulong)i).ToList();
        await LoadProvisionalAsync(ids);
        var (hash, trained) = (Hash(), Trained());

        await CopyAllAsync(hash, trained);

        foreach (var id in ids)
        {
            var point = Stamped(id, 100 + (long)id);
            var owner = NewOwner(trained, point);
            var onOwner = (await shards.Clients[owner].RetrieveAsync(QdrantShards.Collection, [point.Id], withPayload: true)).Single();
            onOwner.Payload![PayloadFields.Cell]!.GetValue<long>().Should().Be(trained.Assigner.Key(trained.Assigner.CellOf(PointKey.FromUlong(id), point.Vector)));
            onOwner.Payload[PayloadFields.PreviousCell]!.GetValue<long>().Should().Be(hash.CellOf(PointKey.FromUlong(id)));
            onOwner.Payload[PayloadFields.Version]!.GetValue<long>().Should().Be(100 + (long)id, "the write version is kept");
        }

        (await VerifyAllAsync(hash, trained)).Should().BeEmpty();
        (await shards.ReadAsync(2)).Should().BeEmpty("shard 2 owns nothing in either partition");
    }

    [Fact]
    public async Task Verify_repairs_a_stale_copy_a_point_the_copy_missed_and_an_older_copy()
    {
        var ids = Enumerable.Range(1, 40).Select(i => (ulong)i).ToList();
        await LoadProvisionalAsync(ids);
        var (hash, trained) = (Hash(), Trained());
        await CopyAllAsync(hash, trained);

        // A point deleted on its source after the copy (the copy on the new owner is stale) ...
        var moved = ids.Select(id => Stamped(id, 100 + (long)id)).First(p => NewOwner(trained, p) != hash.OldOwner(hash.CellOf(PointKey.FromUlong(p.Id.Number))));
        var movedSource = hash.OldOwner(hash.CellOf(PointKey.FromUlong(moved.Id.Number)));
        await shards.DeleteAsync(movedSource, moved.Id.Number);

        // ... a point written in the old numbering after the copy passed it (as if the copy had missed it) ...
        var missed = Stamped(1000, 5000);
        var missedSource = hash.OldOwner(hash.CellOf(PointKey.FromUlong(1000)));
        await shards.WriteAsync(missedSource, missed);

        var repairs = await VerifyAllAsync(hash, trained);

        repairs.Should().Contain(r => r.Id == moved.Id && r.Kind == RepairKind.DeletedFromTarget);
        repairs.Should().Contain(r => r.Id == missed.Id && r.Kind == RepairKind.CopiedToTarget);
        (await shards.ReadAsync(NewOwner(trained, moved))).Should().NotContainKey(moved.Id.Number);
        var missedOwner = NewOwner(trained, missed);
        (await shards.ReadAsync(missedOwner)).Should().ContainKey(1000);
        (await VerifyAllAsync(hash, trained)).Should().BeEmpty("the next pass finds nothing");
    }

    [Fact]
    public void Drift_needs_enough_points_a_skew_past_the_limit_and_growth_since_training()
    {
        long[] even = [100, 100, 100, 100];
        long[] skewed = [1000, 50, 50, 50];

        SemanticSharding.Drifted(even, 1.0, 2.0, 100).Should().BeFalse();
        SemanticSharding.Drifted(skewed, 1.0, 2.0, 100).Should().BeTrue();
        SemanticSharding.Drifted(skewed, 1.0, 2.0, 10_000).Should().BeFalse("too few points to judge");
        SemanticSharding.Drifted(skewed, 3.5, 2.0, 100).Should().BeFalse("the training already expected this skew");
    }

    [Fact]
    public void A_semantic_collection_needs_attention_to_train_retrain_or_report_but_not_when_settled()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(1);
        var collection = new VectorCollection { Metadata = new ObjectMeta { Name = "docs" } };
        collection.Spec.Sharding.Strategy = ShardingStrategy.Semantic;
        collection.Spec.Sharding.Semantic.TrainAfterPoints = 100;
        collection.Spec.Sharding.Semantic.Nprobe = 1;
        collection.Spec.Shards = 2;
        collection.Status = new VectorCollectionStatus { Semantic = new SemanticStatus { State = SemanticSharding.Provisional } };

        SemanticSharding.WantsAttention(collection, Hash(), [40, 40], now, TimeSpan.FromMinutes(5)).Should().BeFalse("80 points are below trainAfterPoints");
        SemanticSharding.WantsAttention(collection, Hash(), [60, 40], now, TimeSpan.FromMinutes(5)).Should().BeTrue("time to train");

        collection.Status.Semantic = new SemanticStatus { State = SemanticSharding.Trained, Generation = 1, LastDriftCheck = now, Nprobe = 1 };
        SemanticSharding.WantsAttention(collection, Trained(), [60, 40], now, TimeSpan.FromMinutes(5)).Should().BeFalse();
        SemanticSharding.WantsAttention(collection, Trained(), [60, 40], now.AddMinutes(6), TimeSpan.FromMinutes(5)).Should().BeTrue("a drift check is due");
        collection.Metadata.Annotations = new Dictionary<string, string> { [SemanticSharding.RetrainAnnotation] = "2025-01-01" };
        SemanticSharding.WantsAttention(collection, Trained(), [60, 40], now, TimeSpan.FromMinutes(5)).Should().BeTrue("a new retrain request");
        collection.Status.Semantic.RetrainRequest = "2025-01-01";
        SemanticSharding.WantsAttention(collection, Trained(), [60, 40], now, TimeSpan.FromMinutes(5)).Should().BeFalse("that request was acted on");
        collection.Spec.Sharding.Semantic.Nprobe = 2;
        SemanticSharding.WantsAttention(collection, Trained(), [60, 40], now, TimeSpan.FromMinutes(5)).Should().BeTrue("a new default nprobe is published");
    }

    [Theory]
    [InlineData("docs-partition-g1", 1)]
    [InlineData("docs-partition-g12", 12)]
    [InlineData("docs-partition-g", null)]
    [InlineData("docs-partition-g-1", null)]
    [InlineData("docs-routing-v3", null)]
    [InlineData("docs2-partition-g1", null)]
    public void Only_the_collections_own_partition_maps_have_a_generation(string name, int? generation) =>
        PartitionStore.GenerationOf("docs", name).Should().Be(generation);

    [Fact]
    public void Plan_shows_the_semantic_cells_and_points_that_move()
    {
        var trained = Trained(2);

        var text = PlanCommand.FormatSemantic("search/docs", trained, 3, "500,100,300,100", null);

        text.Should().Contain("(semantic, generation 1): 2 -> 3 shards, 4 cells, 1000 points");
        text.Should().Contain("Shards added (created and ready before copying): 2");
        text.Should().MatchRegex(@"cells \S+\s+\(1 cells\)\s+shard \d -> shard 2\s+\d+ points");
        text.Should().Contain("at least");
    }
}
