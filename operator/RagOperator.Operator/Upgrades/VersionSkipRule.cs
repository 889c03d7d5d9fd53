using System.Globalization;

namespace RagOperator.Operator.Upgrades;

/// <summary>
/// Qdrant guarantees storage compatibility across one minor version only, and its nodes of version 1.N work in one
/// cluster with 1.N-1 but not with 1.N-2: an upgrade must pass through the latest patch of every minor version in
/// between (Qdrant's upgrade guide). The rule, against every version a shard pod runs or its template names:
/// <list type="bullet">
/// <item>Patch changes and one minor step up are allowed.</item>
/// <item>One minor step down is allowed, so that a halted upgrade can be rolled back to the version the other pods
/// still run.</item>
/// <item>Skipping a minor version (up or down) or changing the major version is refused; the message lists the
/// versions to go through.</item>
/// </list>
/// </summary>
public static class VersionSkipRule
{
    /// <returns>Null when <paramref name="target"/> may be rolled out; otherwise why not and what to do instead.</returns>
    public static string? Check(QdrantVersion target, IEnumerable<QdrantVersion> running)
    {
        var versions = running.Distinct().Order().ToList();
        if (versions.Count == 0) return null;
        var oldest = versions[0];
        var newest = versions[^1];
        var runs = string.Join(", ", versions);
        if (versions.Any(v => v.Major != target.Major))
        {
            return $"spec.qdrant.version {target} changes the major version of a cluster that runs {runs}; Qdrant supports " +
                   "upgrades one minor version at a time within a major version: migrate the data to a new collection instead; nothing was changed";
        }

        if (target.Minor > oldest.Minor + 1)
        {
            var through = Enumerable.Range(oldest.Minor + 1, target.Minor - oldest.Minor - 1)
                .Select(minor => new QdrantVersion(target.Major, minor, 0).MinorLine).ToList();
            return $"spec.qdrant.version {target} skips {Plural(through.Count, "minor version")} (the pods run {runs}): Qdrant's " +
                   $"storage is compatible across one minor version only, so upgrade through {string.Join(", then ", through)} " +
                   $"(the latest patch of each) before {target}, waiting for condition Upgrading=False after each step; " +
                   $"nothing was changed";
        }

        if (target.Minor < newest.Minor - 1)
        {
            return $"spec.qdrant.version {target} goes back more than one minor version (the pods run {runs}); Qdrant " +
                   $"storage written by {newest.MinorLine} is not readable that far back: set {newest.MinorLine} or " +
                   $"v{newest.Major}.{(newest.Minor - 1).ToString(CultureInfo.InvariantCulture)}.x; nothing was changed";
        }

        return null;
    }

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n.ToString(CultureInfo.InvariantCulture)} {what}s";
}
