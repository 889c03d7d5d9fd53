using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Snapshots;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

public sealed class RestoredCollectionTests
{
    [Fact]
    public void The_new_collection_takes_the_source_spec_without_its_schedule_and_points_at_the_routing_of_the_set()
    {
        var collection = RestoredCollection.Collection(SnapshotFixtures.Restore(), SnapshotFixtures.Manifest());

        collection.Metadata.Name.Should().Be("docs-copy");
        collection.Metadata.Namespace.Should().Be("search");
        collection.Metadata.OwnerReferences.Should().BeNull("the restored collection must outlive the VectorRestore");
        collection.Metadata.Annotations.Should().Contain(RestoredCollection.RoutingAnnotation, "docs-copy-restore-routing")
            .And.Contain(RestoredCollection.RestoredByAnnotation, "bring-back");
        collection.Spec.Shards.Should().Be(3);
        collection.Spec.Sharding.Slots.Should().Be(12);
        collection.Spec.Dimension.Should().Be(8);
        collection.Spec.Snapshots.Should().BeNull("a restored copy must not start writing scheduled snapshots into the source's storage");
        collection.Spec.Qdrant.ApiKeySecretRef!.Name.Should().Be("docs-qdrant");
    }

    [Fact]
    public void Target_overrides_replace_the_secrets_and_node_pool_of_the_source()
    {
        var restore = SnapshotFixtures.Restore(configure: t =>
        {
            t.QdrantApiKeySecretRef = new SecretKeySelector { Name = "copy-qdrant", Key = "k" };
            t.RouterApiKeySecretRef = new SecretKeySelector { Name = "copy-router", Key = "k" };
            t.NodePoolRef = new LocalObjectReference { Name = "cheap" };
        });

        var spec = RestoredCollection.Collection(restore, SnapshotFixtures.Manifest()).Spec;

        spec.Qdrant.ApiKeySecretRef!.Name.Should().Be("copy-qdrant");
        spec.Router.ApiKeySecretRef!.Name.Should().Be("copy-router");
        spec.NodePoolRef!.Name.Should().Be("cheap");
    }

    [Fact]
    public void The_routing_config_map_holds_the_set_table_and_is_owned_by_the_restore()
    {
        var map = RestoredCollection.RoutingConfigMap(SnapshotFixtures.Restore(), SnapshotFixtures.Manifest());

        map.Metadata.Name.Should().Be("docs-copy-restore-routing");
        map.Metadata.OwnerReferences.Should().ContainSingle().Which.Should().Match<OwnerReference>(o => o.Kind == "VectorRestore" && o.Uid == "uid-restore");
        RoutingTable.Parse(map.Data!["routing.json"]).SameDocumentAs(SnapshotFixtures.Table()).Should().BeTrue();
    }

    [Fact]
    public void Readdressing_keeps_strategy_and_ownership_and_takes_the_new_name_and_endpoints()
    {
        var source = SnapshotFixtures.Table();

        var table = RestoredRouting.Readdress(source, "docs-copy", "other", 1, shard => $"http://copy-{shard}:6333");

        table.Collection.Should().Be("docs-copy");
        table.Namespace.Should().Be("other");
        table.Version.Should().Be(1);
        table.Shards.Select(s => s.Endpoint).Should().Equal("http://copy-0:6333", "http://copy-1:6333", "http://copy-2:6333");
        RestoredCollection.OwnershipDifference(table, source).Should().BeNull();
        table.Shards.Select(s => s.Cells.ToString()).Should().Equal("0-2,9", "3-5,10", "6-8,11");
    }

    public static TheoryData<string, Action<VectorCollectionSpec>, string> Incompatible => new()
    {
        { "dimension", s => s.Dimension = 16, "dimension is 16, the set's is 8" },
        { "distance", s => s.Distance = RagOperator.Api.V1Alpha1.Distance.Dot, "distance is Dot, the set's is Cosine" },
        { "shards", s => s.Shards = 4, "shards is 4, the set has 3" },
        { "slots", s => s.Sharding.Slots = 24, "sharding.slots is 24, the set's is 12" },
    };

    [Theory]
    [MemberData(nameof(Incompatible))]
    public void An_existing_target_with_another_shape_is_incompatible(string what, Action<VectorCollectionSpec> change, string expected)
    {
        var target = new VectorCollection { Metadata = new ObjectMeta { Name = "docs-copy" }, Spec = SnapshotFixtures.Spec() };
        change(target.Spec);

        RestoredCollection.Incompatibilities(target, null, SnapshotFixtures.Manifest()).Should().Contain(expected, what);
    }

    [Fact]
    public void An_existing_target_with_the_same_shape_but_other_cell_owners_is_incompatible()
    {
        var target = new VectorCollection { Metadata = new ObjectMeta { Name = "docs-copy" }, Spec = SnapshotFixtures.Spec() };
        var contiguous = RoutingTable.Create("docs-copy", "search", 1, new HashCellAssigner(12), 8, RagOperator.Routing.Distance.Cosine,
        [
            new RoutingShard(0, "http://a:6333", CellSet.Parse("0-3")),
            new RoutingShard(1, "http://b:6333", CellSet.Parse("4-7")),
            new RoutingShard(2, "http://c:6333", CellSet.Parse("8-11")),
        ]);

        RestoredCollection.Incompatibilities(target, contiguous, SnapshotFixtures.Manifest())
            .Should().ContainSingle().Which.Should().Be("shard 0 owns cells 0-3, in the set it owns 0-2,9");
        RestoredCollection.Incompatibilities(target, RestoredRouting.Readdress(SnapshotFixtures.Table(), "docs-copy", "search", 1, _ => "http://x:6333"), SnapshotFixtures.Manifest())
            .Should().BeEmpty();
    }

    [Fact]
    public void Set_keys_are_namespaced_by_collection_and_snapshot_with_a_piece_of_its_uid()
    {
        var prefix = SnapshotKeys.SetPrefix("search", "docs", "nightly", "1a2b3c4d-5e6f-0000-0000-000000000000");

        prefix.Should().Be("search/docs/nightly-1a2b3c4d");
        SnapshotKeys.ShardFile(prefix, 3).Should().Be("search/docs/nightly-1a2b3c4d/shard-3.snapshot");
        SnapshotKeys.Manifest(prefix).Should().Be("search/docs/nightly-1a2b3c4d/manifest.json");
    }
}
