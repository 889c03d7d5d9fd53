using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RagOperator.Routing;

/// <summary>The two kinds of Qdrant point id.</summary>
public enum PointKeyKind
{
    Integer,
    Uuid,
}

/// <summary>
/// A Qdrant point id in its canonical text form, which is what the cell function hashes, so every client that
/// writes the id the same way computes the same route:
/// <list type="bullet">
/// <item>unsigned 64-bit integers in decimal: no sign, no leading zeros ("0" itself is allowed), no spaces;</item>
/// <item>UUIDs lower-case and hyphenated, 8-4-4-4-12 hex digits. Any letter case and the 32-digit form without
/// hyphens are accepted on input (Qdrant accepts both and stores the hyphenated form); braces and "urn:uuid:"
/// are not.</item>
/// </list>
/// Ordering (used to break score ties deterministically): integers first in numeric order, then UUIDs in ordinal
/// order of their canonical text.
/// </summary>
public readonly struct PointKey : IEquatable<PointKey>, IComparable<PointKey>
{
    private const string UlongMax = "18446744073709551615";

    private readonly string? canonical;
    private readonly ulong integer;

    private PointKey(string canonical, PointKeyKind kind, ulong integer)
    {
        this.canonical = canonical;
        Kind = kind;
        this.integer = integer;
    }

    public PointKeyKind Kind { get; }

    /// <summary>The canonical text form; the default value of the struct has none and must not be used.</summary>
    public string Canonical => canonical ?? throw new InvalidOperationException("PointKey is default-initialised; create it with Parse, FromUlong or FromGuid");

    public bool IsInteger => Kind == PointKeyKind.Integer;

    public ulong AsUlong => Kind == PointKeyKind.Integer ? integer : throw new InvalidOperationException($"point id {Canonical} is a UUID, not an integer");

    public Guid AsGuid => Kind == PointKeyKind.Uuid ? Guid.ParseExact(Canonical, "D") : throw new InvalidOperationException($"point id {Canonical} is an integer, not a UUID");

    public static PointKey FromUlong(ulong value) => new(value.ToString(CultureInfo.InvariantCulture), PointKeyKind.Integer, value);

    public static PointKey FromGuid(Guid value) => new(value.ToString("D"), PointKeyKind.Uuid, 0);

    /// <summary>Parses a decimal integer or a UUID; throws <see cref="FormatException"/> naming the problem.</summary>
    public static PointKey Parse(string? text) =>
        TryParse(text, out var key, out var error) ? key : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? text, out PointKey key) => TryParse(text, out key, out _);

    /// <summary>Parses a decimal integer or a UUID; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out PointKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "point id is empty";
            return false;
        }

        if (text.Any(char.IsWhiteSpace))
        {
            error = $"point id '{text}' contains whitespace";
            return false;
        }

        if ((text[0] == '-' || text[0] == '+') && text.Length > 1 && text.Skip(1).All(char.IsAsciiDigit))
        {
            error = text[0] == '-'
                ? $"point id '{text}' is negative; ids are unsigned 64-bit integers or UUIDs"
                : $"point id '{text}' has a sign; write unsigned integers without '+'";
            return false;
        }

        if (text.All(char.IsAsciiDigit))
        {
            return TryParseInteger(text, out key, out error);
        }

        return TryParseUuid(text, out key, out error);
    }

    /// <summary>
    /// Reads an id as it comes in Qdrant JSON: a JSON number for integers, a JSON string for UUIDs. As in Qdrant,
    /// a string holding digits is not an integer id.
    /// </summary>
    public static bool TryFromJson(JsonElement element, out PointKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (element.TryGetUInt64(out var value))
                {
                    key = FromUlong(value);
                    error = null;
                    return true;
                }

                var raw = element.GetRawText();
                error = raw.StartsWith('-')
                    ? $"point id {raw} is negative; ids are unsigned 64-bit integers or UUIDs"
                    : raw.All(char.IsAsciiDigit)
                        ? $"point id {raw} exceeds the largest unsigned 64-bit integer {UlongMax}"
                        : $"point id {raw} is not an integer; ids are unsigned 64-bit integers or UUIDs";
                return false;
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (text.Length > 0 && text.All(char.IsAsciiDigit))
                {
                    error = $"point id \"{text}\" is a string of digits; integer ids must be JSON numbers and string ids must be UUIDs";
                    return false;
                }

                return TryParse(text, out key, out error);
            default:
                error = $"point id must be an unsigned integer or a UUID string, not a JSON {element.ValueKind.ToString().ToLowerInvariant()}";
                return false;
        }
    }

    public static PointKey FromJson(JsonElement element) =>
        TryFromJson(element, out var key, out var error) ? key : throw new FormatException(error);

    /// <summary>Writes the id the way Qdrant expects it: a JSON number for integers, a string for UUIDs.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (IsInteger)
        {
            writer.WriteNumberValue(integer);
        }
        else
        {
            writer.WriteStringValue(Canonical);
        }
    }

    /// <summary>XXH64 (seed 0) of the UTF-8 bytes of the canonical form; the input of the hash cell function.</summary>
    public ulong Hash()
    {
        // Canonical ids are at most 36 ASCII characters, so UTF-8 is one byte per character and fits on the stack.
        Span<byte> utf8 = stackalloc byte[36];
        var length = Encoding.UTF8.GetBytes(Canonical, utf8);
        return XxHash64.Hash(utf8[..length]);
    }

    public bool Equals(PointKey other) => string.Equals(canonical, other.canonical, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is PointKey other && Equals(other);

    public override int GetHashCode() => canonical is null ? 0 : StringComparer.Ordinal.GetHashCode(canonical);

    public int CompareTo(PointKey other)
    {
        if (Kind != other.Kind)
        {
            return Kind == PointKeyKind.Integer ? -1 : 1;
        }

        return Kind == PointKeyKind.Integer
            ? integer.CompareTo(other.integer)
            : string.CompareOrdinal(canonical, other.canonical);
    }

    public override string ToString() => canonical ?? "";

    public static bool operator ==(PointKey left, PointKey right) => left.Equals(right);

    public static bool operator !=(PointKey left, PointKey right) => !left.Equals(right);

    public static bool operator <(PointKey left, PointKey right) => left.CompareTo(right) < 0;

    public static bool operator >(PointKey left, PointKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(PointKey left, PointKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(PointKey left, PointKey right) => left.CompareTo(right) >= 0;

    private static bool TryParseInteger(string text, out PointKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        if (text.Length > 1 && text[0] == '0')
        {
            var trimmed = text.TrimStart('0');
            error = $"point id '{text}' has leading zeros; the canonical form is '{(trimmed.Length == 0 ? "0" : trimmed)}'";
            return false;
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            error = $"point id '{text}' exceeds the largest unsigned 64-bit integer {UlongMax}";
            return false;
        }

        key = FromUlong(value);
        error = null;
        return true;
    }

    private static bool TryParseUuid(string text, out PointKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        if ((text.Length == 36 && Guid.TryParseExact(text, "D", out var guid)) ||
            (text.Length == 32 && Guid.TryParseExact(text, "N", out guid)))
        {
            key = FromGuid(guid);
            error = null;
            return true;
        }

        error = text.StartsWith('{') || text.StartsWith("urn:", StringComparison.OrdinalIgnoreCase)
            ? $"point id '{text}' is a UUID in braces or URN form; write it as 8-4-4-4-12 hex digits"
            : $"point id '{text}' is neither an unsigned 64-bit integer nor a UUID (8-4-4-4-12 hex digits)";
        return false;
    }
}
