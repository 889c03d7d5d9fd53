namespace RagOperator.Storage.S3;

/// <summary>
/// S3's multipart limits and the part size an upload uses (pure). S3 allows at most 10 000 parts, each at least
/// 5 MiB except the last and at most 5 GiB, for an object of at most 5 TiB; so a configured part size is raised to the
/// minimum, and raised again to <c>ceil(length / 10 000)</c> when the object would otherwise need more parts.
/// </summary>
public static class S3PartSizing
{
    public const long MiB = 1024L * 1024;

    /// <summary>Parts smaller than this, except the last, make S3 refuse the completion (<c>EntityTooSmall</c>).</summary>
    public const long MinimumPartSize = 5 * MiB;

    public const long DefaultPartSize = 64 * MiB;

    public const int MaxParts = 10_000;

    public const long MaxObjectSize = 5L * 1024 * 1024 * MiB;

    /// <summary>
    /// A part is one in-memory buffer here, so it must fit an array; 1 GiB is far above what a 5 TiB object needs
    /// (about 525 MiB at 10 000 parts) and below S3's 5 GiB per part.
    /// </summary>
    public const long MaxPartSize = 1024 * MiB;

    /// <summary>
    /// The part size for an object of <paramref name="length"/> bytes: <paramref name="configured"/>, at least
    /// <paramref name="minimum"/>, and large enough that the object fits in <see cref="MaxParts"/> parts.
    /// </summary>
    public static long PartSize(long length, long configured, long minimum = MinimumPartSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(configured, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(configured, MaxPartSize);
        if (length > MaxObjectSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"S3 stores objects of at most {MaxObjectSize} bytes (5 TiB)");
        }

        var size = Math.Max(configured, minimum);
        var needed = (length + MaxParts - 1) / MaxParts;
        return Math.Max(size, needed);
    }

    /// <summary>How many parts an object of <paramref name="length"/> bytes takes at <paramref name="partSize"/> (at least one).</summary>
    public static int PartCount(long length, long partSize) =>
        length == 0 ? 1 : checked((int)((length + partSize - 1) / partSize));

    /// <summary>Objects up to <paramref name="threshold"/> bytes go in one <c>PutObject</c>; larger ones in parts.</summary>
    public static bool UsesMultipart(long length, long threshold) => length > threshold;
}
