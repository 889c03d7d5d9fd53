using System.Globalization;
using RagOperator.Storage;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Where a snapshot set's files go, relative to the storage's path or prefix:
/// <c>&lt;namespace&gt;/&lt;collection&gt;/&lt;snapshot&gt;-&lt;first 8 of its uid&gt;/shard-&lt;i&gt;.snapshot</c> and
/// <c>.../manifest.json</c>. The uid part keeps a re-created VectorSnapshot of the same name from overwriting the
/// files of the old one.
/// </summary>
public static class SnapshotKeys
{
    public const string ManifestFile = "manifest.json";

    public static string SetPrefix(string @namespace, string collection, string snapshot, string? uid)
    {
        var compact = (uid ?? "").Replace("-", "", StringComparison.Ordinal);
        var name = compact.Length == 0 ? snapshot : $"{snapshot}-{compact[..Math.Min(8, compact.Length)]}";
        return ObjectKeys.Check(ObjectKeys.Join(@namespace, collection, name));
    }

    public static string ShardFile(string setPrefix, int shard) =>
        ObjectKeys.Join(setPrefix, $"shard-{shard.ToString(CultureInfo.InvariantCulture)}.snapshot");

    public static string Manifest(string setPrefix) => ObjectKeys.Join(setPrefix, ManifestFile);
}
