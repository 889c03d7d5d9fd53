using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Qdrant;

/// <summary>
/// A Qdrant point id: an unsigned 64-bit integer or a UUID. On the wire an integer id is a JSON number and a UUID
/// is a JSON string. <see cref="ToString"/> is the canonical text form the routing layer hashes: decimal for
/// integers, lower-case hyphenated for UUIDs. Ordering follows Qdrant's: every integer id sorts before every UUID,
/// and UUIDs sort by their big-endian bytes (the same order as their canonical strings).
/// </summary>
[JsonConverter(typeof(PointIdJsonConverter))]
public readonly record struct PointId : IComparable<PointId>
{
    private readonly ulong _number;
    private readonly Guid _uuid;

    private PointId(ulong number, Guid uuid, bool isUuid)
    {
        _number = number;
        _uuid = uuid;
        IsUuid = isUuid;
    }

    public bool IsUuid { get; }

    public ulong Number => IsUuid ? throw new InvalidOperationException($"Point id {this} is a UUID, not a number") : _number;

    public Guid Uuid => IsUuid ? _uuid : throw new InvalidOperationException($"Point id {this} is a number, not a UUID");

    public static PointId FromNumber(ulong number) => new(number, Guid.Empty, isUuid: false);

    public static PointId FromUuid(Guid uuid) => new(0, uuid, isUuid: true);

    public static implicit operator PointId(ulong number) => FromNumber(number);

    public static implicit operator PointId(Guid uuid) => FromUuid(uuid);

    /// <summary>Parses the canonical form (or any UUID form .NET accepts, which is then canonicalised).</summary>
    public static PointId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is neither an unsigned integer nor a UUID");

    public static bool TryParse(string? text, out PointId id)
    {
        id = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        // Only plain decimal digits are a number: "+1", " 1" or "1e3" are not ids Qdrant would accept either.
        if (text.Length <= 20 && text.All(char.IsAsciiDigit))
        {
            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                id = FromNumber(number);
                return true;
            }

            return false;
        }

        if (Guid.TryParse(text, out var uuid))
        {
            id = FromUuid(uuid);
            return true;
        }

        return false;
    }

    public int CompareTo(PointId other)
    {
        if (IsUuid != other.IsUuid)
        {
            return IsUuid ? 1 : -1;
        }

        return IsUuid ? UuidOrderKey(_uuid).CompareTo(UuidOrderKey(other._uuid)) : _number.CompareTo(other._number);
    }

    public static bool operator <(PointId left, PointId right) => left.CompareTo(right) < 0;

    public static bool operator >(PointId left, PointId right) => left.CompareTo(right) > 0;

    public static bool operator <=(PointId left, PointId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(PointId left, PointId right) => left.CompareTo(right) >= 0;

    public override string ToString() =>
        IsUuid ? _uuid.ToString("D", CultureInfo.InvariantCulture) : _number.ToString(CultureInfo.InvariantCulture);

    // Guid.CompareTo does not follow the RFC byte order; Qdrant (Rust's uuid crate) compares the big-endian bytes.
    private static UInt128 UuidOrderKey(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}

/// <summary>Qdrant's JSON form of a point id: a number for integer ids, a string for UUIDs.</summary>
public sealed class PointIdJsonConverter : JsonConverter<PointId>
{
    public override PointId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetUInt64(out var number):
                return PointId.FromNumber(number);
            case JsonTokenType.String when Guid.TryParse(reader.GetString(), out var uuid):
                return PointId.FromUuid(uuid);
            default:
                throw new JsonException("A point id must be an unsigned integer or a UUID string");
        }
    }

    public override void Write(Utf8JsonWriter writer, PointId value, JsonSerializerOptions options)
    {
        if (value.IsUuid)
        {
            writer.WriteStringValue(value.ToString());
        }
        else
        {
            writer.WriteNumberValue(value.Number);
        }
    }
}
