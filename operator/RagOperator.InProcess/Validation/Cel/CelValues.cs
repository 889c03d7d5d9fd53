using System.Globalization;

namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// CEL runtime values. The interpreter uses plain CLR values for scalars — <see cref="long"/> (int),
/// <see cref="ulong"/> (uint), <see cref="double"/>, <see cref="string"/>, <see cref="bool"/> — plus
/// <see cref="CelNull"/>, <see cref="CelList"/>, <see cref="CelMap"/> and <see cref="CelError"/>. Errors are values so
/// that <c>&amp;&amp;</c>, <c>||</c> and the <c>all</c>/<c>exists</c> macros can absorb them the way CEL specifies.
/// </summary>
public static class CelValues
{
    /// <summary>The CEL type name of a value, as error messages spell it.</summary>
    public static string TypeName(object value) => value switch
    {
        long => "int",
        ulong => "uint",
        double => "double",
        string => "string",
        bool => "bool",
        CelNull => "null_type",
        CelList => "list",
        CelMap => "map",
        CelError => "error",
        _ => value.GetType().Name,
    };

    /// <summary>CEL equality: heterogeneous (values of different types are unequal) except that numbers compare by value.</summary>
    public static bool Equal(object a, object b)
    {
        if (IsNumber(a) && IsNumber(b)) return CompareNumbers(a, b) == 0;
        switch (a)
        {
            case string s: return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case bool x: return b is bool y && x == y;
            case CelNull: return b is CelNull;
            case CelList l:
                if (b is not CelList m || l.Count != m.Count) return false;
                for (var i = 0; i < l.Count; i++)
                {
                    if (!Equal(l[i], m[i])) return false;
                }
                return true;
            case CelMap p:
                if (b is not CelMap q || p.Count != q.Count) return false;
                foreach (var key in p.Keys)
                {
                    if (!p.TryGet(key, out var pv) || !q.TryGet(key, out var qv) || !Equal(pv, qv)) return false;
                }
                return true;
            default: return false;
        }
    }

    public static bool IsNumber(object v) => v is long or ulong or double;

    /// <summary>Compares two numbers of any numeric CEL type by their mathematical value; null when unordered (NaN).</summary>
    public static int? CompareNumbers(object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (ulong x, ulong y) => x.CompareTo(y),
        (long x, ulong y) => x < 0 ? -1 : ((ulong)x).CompareTo(y),
        (ulong x, long y) => y < 0 ? 1 : x.CompareTo((ulong)y),
        (double x, double y) => double.IsNaN(x) || double.IsNaN(y) ? null : x.CompareTo(y),
        (long x, double y) => CompareToDouble(x, y),
        (ulong x, double y) => CompareToDouble(x, y),
        (double x, long y) => -CompareToDouble(y, x),
        (double x, ulong y) => -CompareToDouble(y, x),
        _ => null,
    };

    // Exact integer-versus-double comparison: converting the integer to double would make 2^53+1 equal 2^53.
    private static int? CompareToDouble(long x, double d)
    {
        if (double.IsNaN(d)) return null;
        if (d >= 9223372036854775808.0) return -1;
        if (d < -9223372036854775808.0) return 1;
        var truncated = Math.Truncate(d);
        var c = x.CompareTo((long)truncated);
        return c != 0 ? c : -Math.Sign(d - truncated);
    }

    private static int? CompareToDouble(ulong x, double d)
    {
        if (double.IsNaN(d)) return null;
        if (d < 0) return 1;
        if (d >= 18446744073709551616.0) return -1;
        var truncated = Math.Truncate(d);
        var c = x.CompareTo((ulong)truncated);
        return c != 0 ? c : -Math.Sign(d - truncated);
    }

    /// <summary>
    /// Formats a double as CEL's <c>string(double)</c> does: Go's <c>strconv.FormatFloat(d, 'g', -1, 64)</c>, the
    /// shortest digits that round-trip, in exponent form when the exponent is below -4 or at least 6.
    /// </summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "+Inf";
        if (double.IsNegativeInfinity(d)) return "-Inf";
        // Shortest round-trip digits and decimal exponent.
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? shortest : shortest[..e];
        var exponent = e < 0 ? 0 : int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var negative = mantissa.StartsWith('-');
        if (negative) mantissa = mantissa[1..];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? mantissa : mantissa[..dot];
        var fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        var decimalExponent = intPart.Length - 1 - leadingZeros + exponent; // exponent of the first significant digit
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return negative ? "-0" : "0";
        string body;
        if (decimalExponent < -4 || decimalExponent >= 6)
        {
            body = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "") + "e" + (decimalExponent < 0 ? "-" : "+")
                + Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (decimalExponent < 0)
        {
            body = "0." + new string('0', -decimalExponent - 1) + digits;
        }
        else if (digits.Length <= decimalExponent + 1)
        {
            body = digits + new string('0', decimalExponent + 1 - digits.Length);
        }
        else
        {
            body = digits[..(decimalExponent + 1)] + "." + digits[(decimalExponent + 1)..];
        }
        return negative ? "-" + body : body;
    }
}

/// <summary>The CEL <c>null</c> value.</summary>
public sealed class CelNull
{
    public static CelNull Instance { get; } = new();
    private CelNull() { }
    public override string ToString() => "null";
}

/// <summary>An evaluation error, carried as a value (CEL's error semantics).</summary>
public sealed record CelError(string Message)
{
    public override string ToString() => Message;
}

/// <summary>A CEL list.</summary>
public abstract class CelList
{
    public abstract int Count { get; }
    public abstract object this[int index] { get; }

    public IEnumerable<object> Items()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    public static CelList Of(IReadOnlyList<object> items) => new ValueList(items);

    private sealed class ValueList(IReadOnlyList<object> items) : CelList
    {
        public override int Count => items.Count;
        public override object this[int index] => items[index];
    }
}

/// <summary>A CEL map (also the runtime form of schema objects, whose field names are the keys).</summary>
public abstract class CelMap
{
    public abstract int Count { get; }
    public abstract IEnumerable<object> Keys { get; }
    public abstract bool TryGet(object key, out object value);

    public static CelMap Of(IReadOnlyList<KeyValuePair<object, object>> entries) => new ValueMap(entries);

    private sealed class ValueMap(IReadOnlyList<KeyValuePair<object, object>> entries) : CelMap
    {
        public override int Count => entries.Count;
        public override IEnumerable<object> Keys => entries.Select(e => e.Key);

        public override bool TryGet(object key, out object value)
        {
            foreach (var entry in entries)
            {
                if (CelValues.Equal(entry.Key, key))
                {
                    value = entry.Value;
                    return true;
                }
            }
            value = CelNull.Instance;
            return false;
        }
    }
}
