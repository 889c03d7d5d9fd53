using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Operator.Snapshots;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

public sealed class SnapshotSetManifestTests
{
    [Fact]
    public void A_manifest_round_trips_through_json_with_its_routing_spec_and_files()
    {
        var manifest = SnapshotFixtures.Manifest();

        var parsed = SnapshotSetManifest.Parse(manifest.ToJson());

        parsed.Namespace.Should().Be("search");
        parsed.Collection.Should().Be("docs");
        parsed.Snapshot.Should().Be("nightly");
        parsed.CreatedAt.Should().Be(manifest.CreatedAt);
        parsed.RoutingVersion.Should().Be(7);
        parsed.Routing.SameDocumentAs(manifest.Routing).Should().BeTrue();
        parsed.CollectionSpec.Shards.Should().Be(3);
        parsed.CollectionSpec.Qdrant.ApiKeySecretRef!.Name.Should().Be("docs-qdrant");
        parsed.Files.Should().Equal(manifest.Files);
        parsed.ToJson().Should().Be(manifest.ToJson(), "the document is written in a fixed order");
    }

    public static TheoryData<string, Func<JsonObject, JsonObject>, string> BrokenManifests => new()
    {
        { "wrong format", m => Set(m, "format", "something/v0"), "format must be ragoperator.io/snapshot-set/v1" },
        { "no collection", m => Remove(m, "collection"), "collection is missing" },
        { "bad date", m => Set(m, "createdAt", "yesterday"), "createdAt is missing or not a date" },
        { "no routing", m => Remove(m, "routing"), "routing is missing" },
        { "version mismatch", m => Set(m, "routingVersion", 8), "routingVersion 8 differs from the routing table's version 7" },
        { "missing file", m => RemoveFile(m, 2), "shard 2 of the routing table has no file" },
        { "duplicate file", m => DuplicateFile(m, 0), "shard 0 has 2 files" },
        { "bad checksum", m => SetFile(m, 1, "sha256", "XYZ"), "files[1].sha256 must be 64 lower-case hex digits" },
        { "escaping key", m => SetFile(m, 1, "key", "../etc/passwd"), "files[1].key: key ../etc/passwd has a . or .. segment" },
        { "negative size", m => SetFile(m, 0, "size", -1), "files[0].size must be a number ≥ 0" },
        { "shard count", m => SetSpec(m, "shards", 4), "collectionSpec.shards is 4 but the routing table has 3 shards" },
        { "dimension", m => SetSpec(m, "dimension", 16), "collectionSpec.dimension is 16 but the routing table says 8" },
    };

    [Theory]
    [MemberData(nameof(BrokenManifests))]
    public void A_broken_manifest_is_refused_naming_what_is_wrong(string what, Func<JsonObject, JsonObject> breakIt, string expected)
    {
        var json = breakIt(JsonNode.Parse(SnapshotFixtures.Manifest().ToJson())!.AsObject()).ToJsonString();

        var act = () => SnapshotSetManifest.Parse(json);

        act.Should().Throw<FormatException>(what).WithMessage($"*{expected}*");
    }

    [Fact]
    public void A_set_taken_under_a_table_with_a_migration_is_unusable()
    {
        var stable = SnapshotFixtures.Table();
        var migrating = RoutingTable.Create("docs", "search", 8, stable.Assigner, 8, stable.Distance, stable.Shards,
            new TableMigration("m", MigrationRule.ReadOldWriteBoth, [new CellMove(CellSet.Parse("9"), 0, 1)]));

        SnapshotSetManifest.Check(migrating, SnapshotFixtures.Spec(), SnapshotFixtures.Manifest().Files)
            .Should().ContainSingle().Which.Should().Contain("has a migration in progress");
    }

    [Fact]
    public void Text_that_is_not_json_is_refused()
    {
        var act = () => SnapshotSetManifest.Parse("{not json");

        act.Should().Throw<FormatException>().WithMessage("the manifest is not valid JSON*");
    }

    private static JsonObject Set(JsonObject m, string key, JsonNode value)
    {
        m[key] = value;
        return m;
    }

    private static JsonObject Remove(JsonObject m, string key)
    {
        m.Remove(key);
        return m;
    }

    private static JsonObject RemoveFile(JsonObject m, int index)
    {
        m["files"]!.AsArray().RemoveAt(index);
        return m;
    }

    private static JsonObject DuplicateFile(JsonObject m, int index)
    {
        m["files"]!.AsArray().Add(m["files"]![index]!.DeepClone());
        return m;
    }

    private static JsonObject SetFile(JsonObject m, int index, string key, JsonNode value)
    {
        m["files"]![index]![key] = value;
        return m;
    }

    private static JsonObject SetSpec(JsonObject m, string key, JsonNode value)
    {
        m["collectionSpec"]![key] = value;
        return m;
    }
}
