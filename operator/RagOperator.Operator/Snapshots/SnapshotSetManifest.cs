using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Routing;
using RagOperator.Storage;

namespace RagOperator.Operator.Snapshots;

/// <summary>One shard's file in a snapshot set.</summary>
public sealed record SnapshotSetFile(int Shard, string Key, long Size, string Sha256, long Points);

/// <summary>
/// The manifest of a snapshot set (<c>manifest.json</c>, written last, so a set without one is incomplete): which
/// collection it was taken from, the routing table every file was taken under (the whole document: cell ownership
/// and strategy parameters), the collection's spec, and one file per shard of that table with its size and SHA-256.
/// <code>
/// { "format": "ragoperator.io/snapshot-set/v1", "namespace": "default", "collection": "docs", "snapshot": "docs-nightly",
///   "createdAt": "2025-01-01T02:30:00+00:00", "routingVersion": 7, "routing": { ...routing table... },
///   "collectionSpec": { ...VectorCollection spec... },
///   "files": [ { "shard": 0, "key": "default/docs/docs-nightly-1a2b3c4d/shard-0.snapshot", "size": 1048576, "sha256": "…", "points": 5000 } ] }
/// </code>
/// </summary>
public sealed record SnapshotSetManifest(
    string Namespace,
    string Collection,
    string Snapshot,
    DateTimeOffset CreatedAt,
    RoutingTable Routing,
    VectorCollectionSpec CollectionSpec,
    IReadOnlyList<SnapshotSetFile> Files)
{
    public const string Format = "ragoperator.io/snapshot-set/v1";

    public long RoutingVersion => Routing.Version;

    /// <summary>The manifest as indented JSON (fixed property order, files by shard).</summary>
    public string ToJson()
    {
        var files = new JsonArray();
        foreach (var file in Files.OrderBy(f => f.Shard))
        {
            files.Add(new JsonObject
            {
                ["shard"] = file.Shard,
                ["key"] = file.Key,
                ["size"] = file.Size,
                ["sha256"] = file.Sha256,
                ["points"] = file.Points,
            });
        }

        var document = new JsonObject
        {
            ["format"] = Format,
            ["namespace"] = Namespace,
            ["collection"] = Collection,
            ["snapshot"] = Snapshot,
            ["createdAt"] = CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
            ["routingVersion"] = Routing.Version,
            ["routing"] = JsonNode.Parse(Routing.ToJson(indented: false)),
            ["collectionSpec"] = JsonSerializer.SerializeToNode(CollectionSpec, KubernetesJson.Options),
            ["files"] = files,
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Parses and checks a manifest; throws <see cref="FormatException"/> naming every problem.</summary>
    public static SnapshotSetManifest Parse(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("the manifest is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"the manifest is not valid JSON: {e.Message}", e);
        }

        var problems = new List<string>();
        if (Text(root, "format") != Format) problems.Add($"format must be {Format}, not {Text(root, "format") ?? "(missing)"}");
        var ns = Text(root, "namespace");
        var collection = Text(root, "collection");
        var snapshot = Text(root, "snapshot") ?? "";
        if (string.IsNullOrEmpty(ns)) problems.Add("namespace is missing");
        if (string.IsNullOrEmpty(collection)) problems.Add("collection is missing");
        var createdAt = DateTimeOffset.TryParse(Text(root, "createdAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
            ? created
            : DateTimeOffset.MinValue;
        if (createdAt == DateTimeOffset.MinValue) problems.Add("createdAt is missing or not a date");

        RoutingTable? routing = null;
        if (root["routing"] is JsonObject routingNode)
        {
            if (!RoutingTable.TryParse(routingNode.ToJsonString(), out routing, out var error)) problems.Add($"routing is invalid: {error!.Message}");
        }
        else
        {
            problems.Add("routing is missing");
        }

        VectorCollectionSpec? spec = null;
        try
        {
            spec = root["collectionSpec"]?.Deserialize<VectorCollectionSpec>(KubernetesJson.Options);
        }
        catch (JsonException e)
        {
            problems.Add($"collectionSpec is invalid: {e.Message}");
        }

        if (spec is null && !problems.Any(p => p.StartsWith("collectionSpec", StringComparison.Ordinal))) problems.Add("collectionSpec is missing");
        var files = ParseFiles(root["files"], problems);
        if (routing is not null && root["routingVersion"]?.GetValueKind() == JsonValueKind.Number && root["routingVersion"]!.GetValue<long>() != routing.Version)
            problems.Add($"routingVersion {root["routingVersion"]} differs from the routing table's version {routing.Version}");
        if (routing is not null && spec is not null) problems.AddRange(Check(routing, spec, files));
        if (problems.Count > 0) throw new FormatException("invalid snapshot set manifest: " + string.Join("; ", problems));
        return new SnapshotSetManifest(ns!, collection!, snapshot, createdAt, routing!, spec!, files);
    }

    /// <summary>
    /// What makes a set unusable: a table with a migration in progress (two owners for some cells), files that do
    /// not cover the table's shards exactly once, and a spec that disagrees with the table's shape.
    /// </summary>
    public static IReadOnlyList<string> Check(RoutingTable routing, VectorCollectionSpec spec, IReadOnlyList<SnapshotSetFile> files)
    {
        var problems = new List<string>();
        if (!routing.IsStable) problems.Add($"routing table v{routing.Version} has a migration in progress; a set must be taken under a stable table");
        var shardIds = routing.Shards.Select(s => s.Id).ToHashSet();
        foreach (var duplicate in files.GroupBy(f => f.Shard).Where(g => g.Count() > 1)) problems.Add($"shard {duplicate.Key} has {duplicate.Count()} files");
        foreach (var missing in shardIds.Except(files.Select(f => f.Shard)).Order()) problems.Add($"shard {missing} of the routing table has no file");
        foreach (var extra in files.Select(f => f.Shard).Except(shardIds).Order()) problems.Add($"file for shard {extra}, which the routing table does not have");
        if (spec.Shards != routing.Shards.Length) problems.Add($"collectionSpec.shards is {spec.Shards} but the routing table has {routing.Shards.Length} shards");
        if (spec.Dimension != routing.Dimension) problems.Add($"collectionSpec.dimension is {spec.Dimension} but the routing table says {routing.Dimension}");
        if (routing.Strategy == HashCellAssigner.StrategyName && spec.Sharding.Slots != routing.CellCount)
            problems.Add($"collectionSpec.sharding.slots is {spec.Sharding.Slots} but the routing table has {routing.CellCount} cells");
        return problems;
    }

    private static List<SnapshotSetFile> ParseFiles(JsonNode? node, List<string> problems)
    {
        var files = new List<SnapshotSetFile>();
        if (node is not JsonArray array)
        {
            problems.Add("files is missing");
            return files;
        }

        foreach (var (item, index) in array.Select((item, index) => (item as JsonObject, index)))
        {
            if (item is null)
            {
                problems.Add($"files[{index}] is not an object");
                continue;
            }

            var key = Text(item, "key") ?? "";
            var sha = Text(item, "sha256") ?? "";
            if (ObjectKeys.Problem(key) is { } keyProblem) problems.Add($"files[{index}].key: {keyProblem}");
            if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)) problems.Add($"files[{index}].sha256 must be 64 lower-case hex digits");
            var size = Number(item, "size");
            if (size is null or < 0) problems.Add($"files[{index}].size must be a number ≥ 0");
            var shard = Number(item, "shard");
            if (shard is null or < 0) problems.Add($"files[{index}].shard must be a number ≥ 0");
            files.Add(new SnapshotSetFile((int)(shard ?? -1), key, size ?? 0, sha, Number(item, "points") ?? 0));
        }

        return files;
    }

    private static string? Text(JsonObject node, string name) =>
        node[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static long? Number(JsonObject node, string name) =>
        node[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number) ? number : null;
}
