namespace RagOperator.Routing;

/// <summary>
/// Layout of a write version, a positive 63-bit integer that orders writes to one point across router replicas:
/// <code>
///  bit 63      : 0 (the value is a non-negative long)
///  bits 22..62 : milliseconds since 2024-01-01T00:00:00Z (41 bits, enough until the year 2093)
///  bits 10..21 : logical counter (12 bits) ordering versions issued within one millisecond
///  bits  0..9  : router id (10 bits, 0..1023), so versions from different routers never collide
/// </code>
/// Comparing two versions as integers compares time, then counter, then router id.
/// </summary>
public readonly record struct WriteVersion(long PhysicalMillis, int Logical, int RouterId)
{
    public const int RouterIdBits = 10;
    public const int LogicalBits = 12;
    public const int PhysicalBits = 41;
    public const int MaxRouterId = (1 << RouterIdBits) - 1;
    public const int MaxLogical = (1 << LogicalBits) - 1;
    public const long MaxPhysicalMillis = (1L << PhysicalBits) - 1;

    /// <summary>The epoch of the physical part: 2024-01-01T00:00:00Z.</summary>
    public static DateTimeOffset Epoch { get; } = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Timestamp => Epoch.AddMilliseconds(PhysicalMillis);

    public static long Compose(long physicalMillis, int logical, int routerId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(physicalMillis);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(physicalMillis, MaxPhysicalMillis);
        ArgumentOutOfRangeException.ThrowIfNegative(logical);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(logical, MaxLogical);
        ArgumentOutOfRangeException.ThrowIfNegative(routerId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(routerId, MaxRouterId);
        return (physicalMillis << (LogicalBits + RouterIdBits)) | ((long)logical << RouterIdBits) | (long)routerId;
    }

    public static WriteVersion Decompose(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new WriteVersion(
            version >> (LogicalBits + RouterIdBits),
            (int)((version >> RouterIdBits) & MaxLogical),
            (int)(version & MaxRouterId));
    }

    public long Value => Compose(PhysicalMillis, Logical, RouterId);
}
