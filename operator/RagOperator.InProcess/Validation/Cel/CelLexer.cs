using System.Globalization;
using System.Text;

namespace RagOperator.InProcess.Validation.Cel;

internal enum CelTokenKind
{
    End,
    Identifier,
    Int,
    Uint,
    Double,
    String,
    Punct,
}

/// <summary>One token; <see cref="Text"/> is the operator or identifier, <see cref="Value"/> the literal value.</summary>
internal readonly record struct CelToken(CelTokenKind Kind, string Text, object? Value, int Position)
{
    public bool Is(string punct) => Kind == CelTokenKind.Punct && Text == punct;
}

/// <summary>
/// Splits CEL source into tokens: identifiers and keywords, int (decimal and hex), uint (<c>u</c> suffix), double,
/// string literals (single, double or triple quoted, raw with <c>r</c>, the CEL escape sequences), operators and
/// <c>//</c> comments. Bytes literals are rejected.
/// </summary>
internal sealed class CelLexer(string source)
{
    private static readonly string[] TwoCharPunct = ["==", "!=", "<=", ">=", "&&", "||"];
    private const string OneCharPunct = "()[]{}.,:?!<>+-*/%";

    private int _pos;

    public List<CelToken> Tokenize()
    {
        var tokens = new List<CelToken>();
        while (true)
        {
            SkipWhitespaceAndComments();
            if (_pos >= source.Length)
            {
                tokens.Add(new CelToken(CelTokenKind.End, "<EOF>", null, _pos));
                return tokens;
            }
            tokens.Add(Next());
        }
    }

    private void SkipWhitespaceAndComments()
    {
        while (_pos < source.Length)
        {
            var c = source[_pos];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                _pos++;
            }
            else if (c == '/' && Peek(1) == '/')
            {
                while (_pos < source.Length && source[_pos] != '\n') _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private char Peek(int offset) => _pos + offset < source.Length ? source[_pos + offset] : '\0';

    private CelToken Next()
    {
        var start = _pos;
        var c = source[_pos];
        if ((c is 'r' or 'R' or 'b' or 'B') && Peek(1) is '"' or '\'')
        {
            if (c is 'b' or 'B') throw Error(start, "bytes literals are not supported");
            _pos++;
            return ReadString(start, raw: true);
        }
        if ((c is 'r' or 'R' or 'b' or 'B') && Peek(1) is 'r' or 'R' or 'b' or 'B' && Peek(2) is '"' or '\'')
            throw Error(start, "bytes literals are not supported");
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < source.Length && (char.IsAsciiLetterOrDigit(source[_pos]) || source[_pos] == '_')) _pos++;
            return new CelToken(CelTokenKind.Identifier, source[start.._pos], null, start);
        }
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1)))) return ReadNumber(start);
        if (c is '"' or '\'') return ReadString(start, raw: false);
        foreach (var p in TwoCharPunct)
        {
            if (string.CompareOrdinal(source, _pos, p, 0, 2) == 0)
            {
                _pos += 2;
                return new CelToken(CelTokenKind.Punct, p, null, start);
            }
        }
        if (OneCharPunct.Contains(c, StringComparison.Ordinal))
        {
            _pos++;
            return new CelToken(CelTokenKind.Punct, c.ToString(), null, start);
        }
        throw Error(start, $"token recognition error at: '{c}'");
    }

    private CelToken ReadNumber(int start)
    {
        if (source[_pos] == '0' && Peek(1) is 'x' or 'X')
        {
            _pos += 2;
            var digitsStart = _pos;
            while (_pos < source.Length && char.IsAsciiHexDigit(source[_pos])) _pos++;
            if (_pos == digitsStart) throw Error(start, "invalid hex literal");
            var hex = source[digitsStart.._pos];
            if (Peek(0) is 'u' or 'U')
            {
                _pos++;
                if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var u)) throw Error(start, "invalid uint literal");
                return new CelToken(CelTokenKind.Uint, source[start.._pos], u, start);
            }
            if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var magnitude)) throw Error(start, "invalid int literal");
            return new CelToken(CelTokenKind.Int, source[start.._pos], magnitude, start);
        }

        var isDouble = false;
        while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
        if (Peek(0) == '.' && char.IsAsciiDigit(Peek(1)))
        {
            isDouble = true;
            _pos++;
            while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
        }
        if (Peek(0) is 'e' or 'E' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
        {
            isDouble = true;
            _pos += 2;
            while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
        }
        var text = source[start.._pos];
        if (isDouble)
        {
            var d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (double.IsInfinity(d)) throw Error(start, "invalid double literal");
            return new CelToken(CelTokenKind.Double, text, d, start);
        }
        if (Peek(0) is 'u' or 'U')
        {
            _pos++;
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u)) throw Error(start, "invalid uint literal");
            return new CelToken(CelTokenKind.Uint, source[start.._pos], u, start);
        }
        // The magnitude is kept unsigned so that the parser can fold -9223372036854775808.
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var m)) throw Error(start, "invalid int literal");
        return new CelToken(CelTokenKind.Int, text, m, start);
    }

    private CelToken ReadString(int start, bool raw)
    {
        var quote = source[_pos];
        var triple = Peek(1) == quote && Peek(2) == quote;
        _pos += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= source.Length) throw Error(start, "unterminated string literal");
            var c = source[_pos];
            if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote)))
            {
                _pos += triple ? 3 : 1;
                return new CelToken(CelTokenKind.String, source[start.._pos], sb.ToString(), start);
            }
            if (!triple && c is '\n' or '\r') throw Error(start, "newline in string literal");
            if (c == '\\' && !raw)
            {
                ReadEscape(sb);
                continue;
            }
            sb.Append(c);
            _pos++;
        }
    }

    private void ReadEscape(StringBuilder sb)
    {
        var at = _pos;
        _pos++; // backslash
        if (_pos >= source.Length) throw Error(at, "invalid escape sequence");
        var c = source[_pos++];
        switch (c)
        {
            case '\\': sb.Append('\\'); return;
            case '\'': sb.Append('\''); return;
            case '"': sb.Append('"'); return;
            case '`': sb.Append('`'); return;
            case '?': sb.Append('?'); return;
            case 'a': sb.Append('\a'); return;
            case 'b': sb.Append('\b'); return;
            case 'f': sb.Append('\f'); return;
            case 'n': sb.Append('\n'); return;
            case 'r': sb.Append('\r'); return;
            case 't': sb.Append('\t'); return;
            case 'v': sb.Append('\v'); return;
            case 'x' or 'X': AppendCodePoint(sb, ReadDigits(at, 2, 16)); return;
            case 'u': AppendCodePoint(sb, ReadDigits(at, 4, 16)); return;
            case 'U': AppendCodePoint(sb, ReadDigits(at, 8, 16)); return;
            case >= '0' and <= '3':
                _pos--;
                AppendCodePoint(sb, ReadDigits(at, 3, 8));
                return;
            default: throw Error(at, $"invalid escape sequence '\\{c}'");
        }
    }

    private int ReadDigits(int at, int count, int radix)
    {
        if (_pos + count > source.Length) throw Error(at, "invalid escape sequence");
        var value = 0;
        for (var i = 0; i < count; i++)
        {
            var d = HexValue(source[_pos + i]);
            if (d < 0 || d >= radix) throw Error(at, "invalid escape sequence");
            value = (value * radix) + d;
        }
        _pos += count;
        return value;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private void AppendCodePoint(StringBuilder sb, int codePoint)
    {
        if (codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) throw Error(_pos, "invalid unicode code point in escape sequence");
        sb.Append(char.ConvertFromUtf32(codePoint));
    }

    private CelCompileException Error(int position, string message) =>
        CelCompileException.At(source, position, "Syntax error: ", message);
}
