namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// Recursive-descent parser for the CEL subset (grammar and precedence of the CEL spec, loosest first):
/// <code>
/// expr     = or ["?" or ":" expr]
/// or       = and {"||" and}
/// and      = relation {"&amp;&amp;" relation}
/// relation = calc {("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "in") calc}
/// calc     = mul {("+" | "-") mul}
/// mul      = unary {("*" | "/" | "%") unary}
/// unary    = member | "!" {"!"} member | "-" {"-"} member
/// member   = primary {"." IDENT ["(" args ")"] | "[" expr "]"}
/// primary  = IDENT ["(" args ")"] | "(" expr ")" | "[" [exprs [","]] "]" | "{" [entries [","]] "}" | literal
/// </code>
/// Macros are expanded here: <c>has(a.b)</c> becomes a presence test, <c>x.all/exists/exists_one/filter/map(v, ...)</c>
/// become comprehensions. Unsupported syntax (message construction, leading-dot names, optional field selection
/// <c>.?</c>, reserved words) is a syntax error.
/// </summary>
internal sealed class CelParser
{
    private const int MaxDepth = 100;

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    };

    private static readonly HashSet<string> ReceiverMacros = new(StringComparer.Ordinal) { "all", "exists", "exists_one", "filter", "map" };

    private readonly string _source;
    private readonly List<CelToken> _tokens;
    private int _index;
    private int _depth;

    private CelParser(string source)
    {
        _source = source;
        _tokens = new CelLexer(source).Tokenize();
    }

    public static CelExpr Parse(string source)
    {
        var parser = new CelParser(source);
        var expr = parser.ParseExpr();
        if (parser.Current.Kind != CelTokenKind.End) throw parser.Error(parser.Current.Position, $"extraneous input '{parser.Current.Text}' expecting <EOF>");
        return expr;
    }

    private CelToken Current => _tokens[_index];

    private CelToken Advance() => _tokens[_index++];

    private bool Accept(string punct)
    {
        if (!Current.Is(punct)) return false;
        _index++;
        return true;
    }

    private void Expect(string punct)
    {
        if (!Accept(punct)) throw Error(Current.Position, $"mismatched input '{Current.Text}' expecting '{punct}'");
    }

    private CelExpr ParseExpr()
    {
        if (++_depth > MaxDepth) throw Error(Current.Position, $"expression nests deeper than {MaxDepth} levels");
        try
        {
            var condition = ParseOr();
            if (!Current.Is("?")) return condition;
            var at = Advance().Position;
            var then = ParseOr();
            Expect(":");
            var otherwise = ParseExpr();
            return new CelConditional(condition, then, otherwise, at);
        }
        finally
        {
            _depth--;
        }
    }

    private CelExpr ParseOr()
    {
        var left = ParseAnd();
        while (Current.Is("||"))
        {
            var at = Advance().Position;
            left = new CelBinary("||", left, ParseAnd(), at);
        }
        return left;
    }

    private CelExpr ParseAnd()
    {
        var left = ParseRelation();
        while (Current.Is("&&"))
        {
            var at = Advance().Position;
            left = new CelBinary("&&", left, ParseRelation(), at);
        }
        return left;
    }

    private CelExpr ParseRelation()
    {
        var left = ParseCalc();
        while (true)
        {
            string op;
            if (Current.Kind == CelTokenKind.Punct && Current.Text is "==" or "!=" or "<" or "<=" or ">" or ">=") op = Current.Text;
            else if (Current.Kind == CelTokenKind.Identifier && Current.Text == "in") op = "in";
            else return left;
            var at = Advance().Position;
            left = new CelBinary(op, left, ParseCalc(), at);
        }
    }

    private CelExpr ParseCalc()
    {
        var left = ParseMultiplicative();
        while (Current.Kind == CelTokenKind.Punct && Current.Text is "+" or "-")
        {
            var op = Current.Text;
            var at = Advance().Position;
            left = new CelBinary(op, left, ParseMultiplicative(), at);
        }
        return left;
    }

    private CelExpr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind == CelTokenKind.Punct && Current.Text is "*" or "/" or "%")
        {
            var op = Current.Text;
            var at = Advance().Position;
            left = new CelBinary(op, left, ParseUnary(), at);
        }
        return left;
    }

    private CelExpr ParseUnary()
    {
        if (Current.Is("!") || Current.Is("-"))
        {
            var op = Current.Text;
            var at = Advance().Position;
            // A minus directly before an int literal is part of the literal, so that int64's minimum parses.
            if (op == "-" && Current.Kind == CelTokenKind.Int && !IsMemberContinuation(_index + 1))
            {
                var magnitude = (ulong)Advance().Value!;
                if (magnitude > 9223372036854775808UL) throw Error(at, "invalid int literal");
                return new CelLiteral(magnitude == 9223372036854775808UL ? long.MinValue : -(long)magnitude, at);
            }
            if (++_depth > MaxDepth) throw Error(at, $"expression nests deeper than {MaxDepth} levels");
            try
            {
                return new CelUnary(op, ParseUnary(), at);
            }
            finally
            {
                _depth--;
            }
        }
        return ParseMember();
    }

    private bool IsMemberContinuation(int index) => _tokens[index].Is(".") || _tokens[index].Is("[");

    private CelExpr ParseMember()
    {
        var expr = ParsePrimary();
        while (true)
        {
            if (Current.Is("."))
            {
                var at = Advance().Position;
                if (Current.Is("?")) throw Error(Current.Position, "optional field selection '.?' is not supported");
                var name = ExpectIdentifier();
                if (Accept("("))
                {
                    var args = ParseArgs(")");
                    expr = MakeReceiverCall(name, expr, args, at);
                }
                else
                {
                    expr = new CelSelect(expr, name, false, at);
                }
            }
            else if (Current.Is("["))
            {
                var at = Advance().Position;
                if (Current.Is("?")) throw Error(Current.Position, "optional index '[?' is not supported");
                var index = ParseExpr();
                Expect("]");
                expr = new CelIndex(expr, index, at);
            }
            else
            {
                return expr;
            }
        }
    }

    private CelExpr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case CelTokenKind.Int:
                _index++;
                if ((ulong)token.Value! > long.MaxValue) throw Error(token.Position, "invalid int literal");
                return new CelLiteral((long)(ulong)token.Value!, token.Position);
            case CelTokenKind.Uint:
            case CelTokenKind.Double:
            case CelTokenKind.String:
                _index++;
                return new CelLiteral(token.Value!, token.Position);
            case CelTokenKind.Identifier:
                return ParseIdentifierPrimary();
            case CelTokenKind.Punct when token.Text == "(":
            {
                _index++;
                var inner = ParseExpr();
                Expect(")");
                return inner;
            }
            case CelTokenKind.Punct when token.Text == "[":
            {
                _index++;
                return new CelListLiteral(ParseArgs("]"), token.Position);
            }
            case CelTokenKind.Punct when token.Text == "{":
            {
                _index++;
                return ParseMapLiteral(token.Position);
            }
            case CelTokenKind.Punct when token.Text == ".":
                throw Error(token.Position, "leading '.' (fully qualified) names are not supported");
            case CelTokenKind.End:
                throw Error(token.Position, "mismatched input '<EOF>' expecting an expression");
            default:
                throw Error(token.Position, $"mismatched input '{token.Text}' expecting an expression");
        }
    }

    private CelExpr ParseIdentifierPrimary()
    {
        var token = Advance();
        switch (token.Text)
        {
            case "true": return new CelLiteral(true, token.Position);
            case "false": return new CelLiteral(false, token.Position);
            case "null": return new CelLiteral(CelNull.Instance, token.Position);
            case "in": throw Error(token.Position, "mismatched input 'in' expecting an expression");
        }
        if (Reserved.Contains(token.Text)) throw Error(token.Position, $"reserved identifier: {token.Text}");
        if (Current.Is("{")) throw Error(Current.Position, "message construction is not supported");
        if (!Accept("(")) return new CelIdent(token.Text, token.Position);
        var args = ParseArgs(")");
        if (token.Text == "has")
        {
            if (args.Count != 1 || args[0] is not CelSelect { TestOnly: false } select)
                throw Error(token.Position, "invalid argument to has() macro");
            return select with { TestOnly = true };
        }
        return new CelCall(token.Text, null, args, token.Position);
    }

    private CelExpr MakeReceiverCall(string name, CelExpr target, List<CelExpr> args, int at)
    {
        if (!ReceiverMacros.Contains(name) || args.Count is < 2 or > 3) return new CelCall(name, target, args, at);
        if (args.Count == 3 && name != "map") return new CelCall(name, target, args, at);
        if (args[0] is not CelIdent variable) throw Error(args[0].Position, $"{name}() macro: argument is not an identifier");
        return name == "map"
            ? new CelComprehension(name, target, variable.Name, args.Count == 3 ? args[1] : null, args[^1], at)
            : new CelComprehension(name, target, variable.Name, args[1], null, at);
    }

    private List<CelExpr> ParseArgs(string close)
    {
        var args = new List<CelExpr>();
        if (Accept(close)) return args;
        while (true)
        {
            args.Add(ParseExpr());
            if (Accept(close)) return args;
            Expect(",");
            if (Accept(close)) return args; // trailing comma
        }
    }

    private CelMapLiteral ParseMapLiteral(int at)
    {
        var entries = new List<KeyValuePair<CelExpr, CelExpr>>();
        if (Accept("}")) return new CelMapLiteral(entries, at);
        while (true)
        {
            if (Current.Is("?")) throw Error(Current.Position, "optional map entries are not supported");
            var key = ParseExpr();
            Expect(":");
            entries.Add(new(key, ParseExpr()));
            if (Accept("}")) return new CelMapLiteral(entries, at);
            Expect(",");
            if (Accept("}")) return new CelMapLiteral(entries, at);
        }
    }

    private string ExpectIdentifier()
    {
        var token = Current;
        if (token.Kind != CelTokenKind.Identifier || token.Text is "true" or "false" or "null" or "in")
            throw Error(token.Position, $"mismatched input '{token.Text}' expecting IDENTIFIER");
        if (Reserved.Contains(token.Text)) throw Error(token.Position, $"reserved identifier: {token.Text}");
        _index++;
        return token.Text;
    }

    private CelCompileException Error(int position, string message) =>
        CelCompileException.At(_source, position, "Syntax error: ", message);
}
