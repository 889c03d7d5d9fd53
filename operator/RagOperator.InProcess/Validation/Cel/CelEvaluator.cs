namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// Evaluates a checked AST. Errors are values: <c>&amp;&amp;</c> and <c>||</c> are commutative about them
/// (<c>false &amp;&amp; error</c> and <c>error &amp;&amp; false</c> are both false), <c>all</c>/<c>exists</c> likewise absorb an
/// error when another element decides the result, and everything else propagates the first error. Each
/// evaluation has a step budget so that nested macros over large lists stay bounded.
/// </summary>
internal sealed class CelEvaluator
{
    public const int MaxSteps = 1_000_000;

    private int _steps;

    public object Evaluate(CelExpr expr, Activation activation)
    {
        if (++_steps > MaxSteps) return new CelError("operation cancelled: actual cost limit exceeded");
        return expr switch
        {
            CelLiteral literal => literal.Value,
            CelIdent ident => activation.TryGet(ident.Name, out var value) ? value : new CelError($"no such attribute: {ident.Name}"),
            CelSelect select => Select(select, activation),
            CelIndex index => Index(Evaluate(index.Operand, activation), Evaluate(index.Index, activation)),
            CelCall call => Call(call, activation),
            CelUnary unary => Unary(unary.Operator, Evaluate(unary.Operand, activation)),
            CelBinary { Operator: "&&" } and => Logical(and, activation, decisive: false),
            CelBinary { Operator: "||" } or => Logical(or, activation, decisive: true),
            CelBinary binary => CelOperators.Binary(binary.Operator, Evaluate(binary.Left, activation), Evaluate(binary.Right, activation)),
            CelConditional conditional => Conditional(conditional, activation),
            CelListLiteral list => ListLiteral(list, activation),
            CelMapLiteral map => MapLiteral(map, activation),
            CelComprehension comprehension => Comprehension(comprehension, activation),
            _ => new CelError($"unsupported expression {expr.GetType().Name}"),
        };
    }

    private object Select(CelSelect select, Activation activation)
    {
        var operand = Evaluate(select.Operand, activation);
        if (operand is CelError) return operand;
        if (operand is not CelMap map)
            return new CelError(select.TestOnly ? "invalid type for field selection." : $"type '{CelValues.TypeName(operand)}' does not support field selection");
        var key = map is CelJson.JsonMap { IsSchemaObject: true } ? CelFieldNames.Unescape(select.Field) : select.Field;
        var found = map.TryGet(key, out var value);
        if (select.TestOnly) return found;
        return found ? value : new CelError($"no such key: {select.Field}");
    }

    private static object Index(object operand, object index)
    {
        if (operand is CelError) return operand;
        if (index is CelError) return index;
        switch (operand)
        {
            case CelList list:
                long i;
                switch (index)
                {
                    case long l: i = l; break;
                    case ulong u when u <= long.MaxValue: i = (long)u; break;
                    case double d when Math.Floor(d) == d && Math.Abs(d) < 9.2e18: i = (long)d; break;
                    default: return CelFunctions.NoOverload("_[_]", [operand, index]);
                }
                return i >= 0 && i < list.Count ? list[(int)i] : new CelError($"index out of bounds: {i}");
            case CelMap map:
                if (index is CelList or CelMap or CelNull) return CelFunctions.NoOverload("_[_]", [operand, index]);
                return map.TryGet(index, out var value) ? value : new CelError($"no such key: {FormatKey(index)}");
            default:
                return CelFunctions.NoOverload("_[_]", [operand, index]);
        }
    }

    private static string FormatKey(object key) => key switch
    {
        double d => CelValues.FormatDouble(d),
        bool b => b ? "true" : "false",
        _ => key.ToString() ?? "",
    };

    private object Call(CelCall call, Activation activation)
    {
        object? target = null;
        if (call.Target is not null)
        {
            target = Evaluate(call.Target, activation);
            if (target is CelError) return target;
        }
        var args = new object[call.Args.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Evaluate(call.Args[i], activation);
            if (args[i] is CelError) return args[i];
        }
        return CelFunctions.Invoke(call.Function, target, args);
    }

    private static object Unary(string op, object operand) => (op, operand) switch
    {
        (_, CelError) => operand,
        ("!", bool b) => !b,
        ("-", long l) => l == long.MinValue ? new CelError("int overflow") : -l,
        ("-", double d) => -d,
        _ => CelFunctions.NoOverload(op + "_", [operand]),
    };

    // decisive is the value that settles the operator whatever the other side is: false for &&, true for ||.
    private object Logical(CelBinary binary, Activation activation, bool decisive)
    {
        var left = Evaluate(binary.Left, activation);
        if (left is bool l && l == decisive) return decisive;
        var right = Evaluate(binary.Right, activation);
        if (right is bool r && r == decisive) return decisive;
        if (left is bool && right is bool) return !decisive;
        if (left is CelError) return left;
        if (right is CelError) return right;
        return CelFunctions.NoOverload(binary.Operator, [left, right]);
    }

    private object Conditional(CelConditional conditional, Activation activation) => Evaluate(conditional.Condition, activation) switch
    {
        true => Evaluate(conditional.Then, activation),
        false => Evaluate(conditional.Else, activation),
        CelError error => error,
        var other => CelFunctions.NoOverload("_?_:_", [other]),
    };

    private object ListLiteral(CelListLiteral list, Activation activation)
    {
        var items = new object[list.Elements.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Evaluate(list.Elements[i], activation);
            if (items[i] is CelError) return items[i];
        }
        return CelList.Of(items);
    }

    private object MapLiteral(CelMapLiteral map, Activation activation)
    {
        var entries = new List<KeyValuePair<object, object>>(map.Entries.Count);
        foreach (var entry in map.Entries)
        {
            var key = Evaluate(entry.Key, activation);
            if (key is CelError) return key;
            if (key is not (long or ulong or string or bool)) return new CelError($"unsupported key type: {CelValues.TypeName(key)}");
            var value = Evaluate(entry.Value, activation);
            if (value is CelError) return value;
            if (entries.Any(e => CelValues.Equal(e.Key, key))) return new CelError($"repeated key: {FormatKey(key)}");
            entries.Add(new(key, value));
        }
        return CelMap.Of(entries);
    }

    private object Comprehension(CelComprehension c, Activation activation)
    {
        var range = Evaluate(c.Range, activation);
        IEnumerable<object> elements = range switch
        {
            CelList list => list.Items(),
            CelMap map => map.Keys,
            _ => [],
        };
        if (range is CelError) return range;
        if (range is not (CelList or CelMap)) return new CelError($"expression of type '{CelValues.TypeName(range)}' cannot be range of a comprehension (must be list, map, or dynamic)");

        CelError? firstError = null;
        var matched = 0L;
        var results = new List<object>();
        foreach (var element in elements)
        {
            var scope = activation.With(c.Variable, element);
            var predicate = c.Predicate is null ? true : Evaluate(c.Predicate, scope);
            if (predicate is CelError error)
            {
                // all/exists may still be decided by another element; the others fail on the first error.
                if (c.Macro is "all" or "exists")
                {
                    firstError ??= error;
                    continue;
                }
                return error;
            }
            if (predicate is not bool passed)
            {
                var bad = CelFunctions.NoOverload(c.Macro, [predicate]);
                if (c.Macro is "all" or "exists")
                {
                    firstError ??= bad;
                    continue;
                }
                return bad;
            }
            switch (c.Macro)
            {
                case "all" when !passed: return false;
                case "exists" when passed: return true;
                case "exists_one" when passed: matched++; break;
                case "filter" when passed: results.Add(element); break;
                case "map" when passed:
                    var mapped = Evaluate(c.Transform!, scope);
                    if (mapped is CelError) return mapped;
                    results.Add(mapped);
                    break;
            }
        }
        return c.Macro switch
        {
            "all" => firstError ?? (object)true,
            "exists" => firstError ?? (object)false,
            "exists_one" => matched == 1,
            _ => CelList.Of(results),
        };
    }
}

/// <summary>Variable bindings: the declared variables and, nested, the macro variables.</summary>
internal sealed class Activation
{
    private readonly Activation? _parent;
    private readonly IReadOnlyDictionary<string, object>? _variables;
    private readonly string? _name;
    private readonly object? _value;

    public Activation(IReadOnlyDictionary<string, object> variables) => _variables = variables;

    private Activation(Activation parent, string name, object value)
    {
        _parent = parent;
        _name = name;
        _value = value;
    }

    public Activation With(string name, object value) => new(this, name, value);

    public bool TryGet(string name, out object value)
    {
        for (var a = this; a is not null; a = a._parent)
        {
            if (a._variables is not null)
            {
                if (a._variables.TryGetValue(name, out var v))
                {
                    value = v;
                    return true;
                }
            }
            else if (a._name == name)
            {
                value = a._value!;
                return true;
            }
        }
        value = CelNull.Instance;
        return false;
    }
}
