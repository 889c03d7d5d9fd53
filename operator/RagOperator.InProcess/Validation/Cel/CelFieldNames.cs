using System.Globalization;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// Kubernetes' escaping of schema property names in CEL: a property named like a CEL reserved word is written
/// <c>__{word}__</c>; inside names <c>__</c> is <c>__underscores__</c>, <c>.</c> <c>__dot__</c>, <c>-</c>
/// <c>__dash__</c>, <c>/</c> <c>__slash__</c> and any other character <c>__{code point}__</c>.
/// </summary>
internal static partial class CelFieldNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    };

    public static string Unescape(string field)
    {
        if (field.Length > 4 && field.StartsWith("__", StringComparison.Ordinal) && field.EndsWith("__", StringComparison.Ordinal)
            && Keywords.Contains(field[2..^2]))
            return field[2..^2];
        if (!field.Contains("__", StringComparison.Ordinal)) return field;
        return EscapeToken().Replace(field, m => m.Groups[1].Value switch
        {
            "underscores" => "__",
            "dot" => ".",
            "dash" => "-",
            "slash" => "/",
            var code => char.ConvertFromUtf32(int.Parse(code, CultureInfo.InvariantCulture)),
        });
    }

    [GeneratedRegex(@"__(underscores|dot|dash|slash|[0-9]{1,7})__")]
    private static partial Regex EscapeToken();
}
