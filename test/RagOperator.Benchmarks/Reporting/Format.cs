using System.Globalization;

namespace RagOperator.Benchmarks.Reporting;

/// <summary>Invariant-culture number formatting for the tables.</summary>
public static class Format
{
    public static string Fraction(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Ratio(double value) => double.IsFinite(value) ? value.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    public static string Ms(double value) => double.IsFinite(value) ? value.ToString("0.000", CultureInfo.InvariantCulture) + " ms" : "n/a";

    public static string Rate(double perSecond, string unit) => perSecond.ToString("N0", CultureInfo.InvariantCulture) + " " + unit;

    public static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    public static string Ns(double nanoseconds) => nanoseconds switch
    {
        < 1_000 => nanoseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (nanoseconds / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " µs",
        _ => (nanoseconds / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
    };
}
