using System.Globalization;
using System.Text.RegularExpressions;

namespace RagOperator.Operator.Upgrades;

/// <summary>A Qdrant release number, read from a version (<c>v1.19.0</c>) or an image reference (<c>qdrant/qdrant:v1.19.0-gpu-nvidia</c>).</summary>
public readonly partial record struct QdrantVersion(int Major, int Minor, int Patch) : IComparable<QdrantVersion>
{
    public static QdrantVersion? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var match = VersionPattern().Match(text);
        return match.Success
            ? new QdrantVersion(Number(match, "major"), Number(match, "minor"), Number(match, "patch"))
            : null;
    }

    /// <summary>The version in an image reference's tag (after the last ':' that follows the last '/'), or null.</summary>
    public static QdrantVersion? FromImage(string? image)
    {
        if (string.IsNullOrEmpty(image)) return null;
        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon < 0 ? null : TryParse(name[(colon + 1)..]);
    }

    public static bool operator <(QdrantVersion left, QdrantVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(QdrantVersion left, QdrantVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(QdrantVersion left, QdrantVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(QdrantVersion left, QdrantVersion right) => left.CompareTo(right) >= 0;

    public int CompareTo(QdrantVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor != other.Minor ? Minor.CompareTo(other.Minor) : Patch.CompareTo(other.Patch);

    /// <summary><c>v1.19.0</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"v{Major}.{Minor}.{Patch}");

    /// <summary><c>v1.19.x</c>: any patch of the minor version.</summary>
    public string MinorLine => string.Create(CultureInfo.InvariantCulture, $"v{Major}.{Minor}.x");

    private static int Number(Match match, string group) => int.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^v?(?<major>[0-9]{1,4})\.(?<minor>[0-9]{1,4})\.(?<patch>[0-9]{1,4})(?:[-+].*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
