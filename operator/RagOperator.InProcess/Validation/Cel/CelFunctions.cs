using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Validation.Cel;

/// <summary>The built-in functions of the subset and their overloads.</summary>
internal static class CelFunctions
{
    /// <summary>Global functions and their argument counts.</summary>
    public static readonly IReadOnlyDictionary<string, int> Global = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["size"] = 1, ["int"] = 1, ["uint"] = 1, ["double"] = 1, ["string"] = 1, ["bool"] = 1, ["dyn"] = 1, ["matches"] = 2,
    };

    /// <summary>Receiver-style functions (<c>target.f(args)</c>) and their argument counts.</summary>
    public static readonly IReadOnlyDictionary<string, int> Receiver = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["size"] = 0, ["startsWith"] = 1, ["endsWith"] = 1, ["contains"] = 1, ["matches"] = 1,
    };

    private const int RegexCacheLimit = 256;
    private static readonly ConcurrentDictionary<string, Regex> RegexCache = new(StringComparer.Ordinal);

    public static object Invoke(string function, object? target, IReadOnlyList<object> args)
    {
        var all = target is null ? args : [target, .. args];
        return (function, all.Count) switch
        {
            ("size", 1) => Size(all[0]),
            ("startsWith", 2) => StringPredicate(function, all[0], all[1], static (s, p) => s.StartsWith(p, StringComparison.Ordinal)),
            ("endsWith", 2) => StringPredicate(function, all[0], all[1], static (s, p) => s.EndsWith(p, StringComparison.Ordinal)),
            ("contains", 2) => StringPredicate(function, all[0], all[1], static (s, p) => s.Contains(p, StringComparison.Ordinal)),
            ("matches", 2) => Matches(all[0], all[1]),
            ("int", 1) => ToInt(all[0]),
            ("uint", 1) => ToUint(all[0]),
            ("double", 1) => ToDouble(all[0]),
            ("string", 1) => ToCelString(all[0]),
            ("bool", 1) => ToBool(all[0]),
            ("dyn", 1) => all[0],
            _ => NoOverload(function, all),
        };
    }

    public static CelError NoOverload(string function, IReadOnlyList<object> args) =>
        new($"no such overload: {function}({string.Join(", ", args.Select(CelValues.TypeName))})");

    private static object Size(object value) => value switch
    {
        string s => (long)s.EnumerateRunes().Count(),
        CelList l => (long)l.Count,
        CelMap m => (long)m.Count,
        _ => NoOverload("size", [value]),
    };

    private static object StringPredicate(string function, object target, object arg, Func<string, string, bool> test) =>
        target is string s && arg is string p ? test(s, p) : NoOverload(function, [target, arg]);

    private static object Matches(object target, object pattern)
    {
        if (target is not string s || pattern is not string p) return NoOverload("matches", [target, pattern]);
        var regex = CompileRegex(p, out var error);
        return regex is null ? new CelError($"invalid regular expression '{p}': {error}") : regex.IsMatch(s);
    }

    /// <summary>
    /// Compiles a RE2-style pattern with .NET's non-backtracking engine (linear time, like RE2, and likewise without
    /// backreferences or lookaround). Differences: .NET's <c>\d</c>/<c>\w</c> are Unicode-aware and RE2's
    /// <c>(?P&lt;name&gt;)</c> group syntax is not accepted.
    /// </summary>
    public static Regex? CompileRegex(string pattern, out string? error)
    {
        error = null;
        if (RegexCache.TryGetValue(pattern, out var cached)) return cached;
        try
        {
            var regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            if (RegexCache.Count >= RegexCacheLimit) RegexCache.Clear();
            RegexCache[pattern] = regex;
            return regex;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
        catch (NotSupportedException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static object ToInt(object value) => value switch
    {
        long l => l,
        ulong u => u <= long.MaxValue ? (long)u : new CelError("int overflow"),
        double d => double.IsFinite(d) && d > -9223372036854775809.0 && d < 9223372036854775808.0
            ? (long)Math.Truncate(d)
            : new CelError("double out of int range"),
        string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var r)
            ? r
            : new CelError($"cannot convert string '{s}' to int"),
        _ => NoOverload("int", [value]),
    };

    private static object ToUint(object value) => value switch
    {
        ulong u => u,
        long l => l >= 0 ? (ulong)l : new CelError("uint overflow"),
        double d => double.IsFinite(d) && d > -1.0 && d < 18446744073709551616.0
            ? (ulong)Math.Truncate(d)
            : new CelError("double out of uint range"),
        string s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var r)
            ? r
            : new CelError($"cannot convert string '{s}' to uint"),
        _ => NoOverload("uint", [value]),
    };

    private static object ToDouble(object value) => value switch
    {
        double d => d,
        long l => (double)l,
        ulong u => (double)u,
        string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var r)
            ? r
            : new CelError($"cannot convert string '{s}' to double"),
        _ => NoOverload("double", [value]),
    };

    private static object ToCelString(object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        double d => CelValues.FormatDouble(d),
        bool b => b ? "true" : "false",
        _ => NoOverload("string", [value]),
    };

    // The spellings Go's strconv.ParseBool accepts, which CEL's bool(string) uses.
    private static object ToBool(object value) => value switch
    {
        bool b => b,
        string s => s switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => new CelError($"cannot convert string '{s}' to bool"),
        },
        _ => NoOverload("bool", [value]),
    };
}
