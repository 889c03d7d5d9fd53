using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// A point id as the server stores it. Ordering is Qdrant's: integer ids before UUIDs, UUIDs by big-endian bytes.
/// </summary>
internal readonly record struct PointKey(bool IsUuid, UInt128 Value) : IComparable<PointKey>
{
    public static PointKey FromNumber(ulong number) => new(false, number);

    public static PointKey FromUuid(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return new PointKey(true, BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    public Guid ToGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return new Guid(bytes, bigEndian: true);
    }

    public int CompareTo(PointKey other) =>
        IsUuid != other.IsUuid ? (IsUuid ? 1 : -1) : Value.CompareTo(other.Value);

    /// <summary>Reads Qdrant's <c>ExtendedPointId</c>: a non-negative integer or a UUID string.</summary>
    public static PointKey Read(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number when element.TryGetUInt64(out var number):
                return FromNumber(number);
            case JsonValueKind.String when Guid.TryParse(element.GetString(), out var uuid):
                return FromUuid(uuid);
            default:
                throw QdrantHttpError.Format("data did not match any variant of untagged enum ExtendedPointId");
        }
    }

    public static bool TryParse(string text, out PointKey key)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit) &&
            ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            key = FromNumber(number);
            return true;
        }

        if (Guid.TryParse(text, out var uuid))
        {
            key = FromUuid(uuid);
            return true;
        }

        key = default;
        return false;
    }

    public void Write(Utf8JsonWriter writer)
    {
        if (IsUuid)
        {
            writer.WriteStringValue(ToGuid().ToString("D"));
        }
        else
        {
            writer.WriteNumberValue((ulong)Value);
        }
    }

    public override string ToString() =>
        IsUuid ? ToGuid().ToString("D") : ((ulong)Value).ToString(CultureInfo.InvariantCulture);
}
