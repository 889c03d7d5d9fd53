using System.Globalization;
using System.Text.RegularExpressions;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// Kubernetes resource quantities (<c>500m</c>, <c>2Gi</c>, <c>1e3</c>) as exact decimals. The API server stores
/// quantities in canonical form (<c>2000m</c> becomes <c>2</c>), so comparing a desired quantity with a live one
/// as text would see a change that is not there and re-apply forever.
/// </summary>
public static partial class Quantity
{
    private static readonly Dictionary<string, decimal> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1m,
        ["n"] = 0.000_000_001m, ["u"] = 0.000_001m, ["m"] = 0.001m,
        ["k"] = 1e3m, ["M"] = 1e6m, ["G"] = 1e9m, ["T"] = 1e12m, ["P"] = 1e15m, ["E"] = 1e18m,
        ["Ki"] = 1024m, ["Mi"] = 1024m * 1024, ["Gi"] = 1024m * 1024 * 1024, ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024, ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
    };

    public static bool TryParse(string text, out decimal value)
    {
        value = 0;
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            return false;
        try
        {
            if (match.Groups["exponent"].Success)
            {
                var exponent = int.Parse(match.Groups["exponent"].Value, CultureInfo.InvariantCulture);
                if (Math.Abs(exponent) > 27) return false;
                value = number * (decimal)Math.Pow(10, exponent);
                return true;
            }

            value = number * Suffixes[match.Groups["suffix"].Value];
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>True when both texts are quantities of the same amount.</summary>
    public static bool Equivalent(string a, string b) => TryParse(a, out var x) && TryParse(b, out var y) && x == y;

    [GeneratedRegex(@"^(?<number>[+-]?(\d+(\.\d*)?|\.\d+))((?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?|[eE](?<exponent>[+-]?\d+))$")]
    private static partial Regex Pattern();
}
