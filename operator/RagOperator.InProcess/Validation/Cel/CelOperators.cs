namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// The strict binary operators: both operands are evaluated and the first error wins. Arithmetic needs operands of
/// one type (int + double is "no such overload", as in CEL) and is checked for overflow; comparisons across numeric
/// types compare values, as in current CEL.
/// </summary>
internal static class CelOperators
{
    public static object Binary(string op, object left, object right)
    {
        if (left is CelError) return left;
        if (right is CelError) return right;
        return op switch
        {
            "==" => CelValues.Equal(left, right),
            "!=" => !CelValues.Equal(left, right),
            "<" or "<=" or ">" or ">=" => Compare(op, left, right),
            "in" => In(left, right),
            "+" => Add(left, right),
            "-" or "*" or "/" or "%" => Arithmetic(op, left, right),
            _ => new CelError($"unknown operator {op}"),
        };
    }

    private static object Compare(string op, object left, object right)
    {
        int? c = (left, right) switch
        {
            _ when CelValues.IsNumber(left) && CelValues.IsNumber(right) => CelValues.CompareNumbers(left, right),
            (string a, string b) => Math.Sign(CompareCodePoints(a, b)),
            (bool a, bool b) => a.CompareTo(b),
            _ => int.MinValue,
        };
        if (c == int.MinValue) return CelFunctions.NoOverload(op, [left, right]);
        if (c is null) return false; // NaN is unordered: every comparison with it is false
        return op switch
        {
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            _ => c >= 0,
        };
    }

    // CEL orders strings by Unicode code point; UTF-16 ordinal order differs only for supplementary characters.
    private static int CompareCodePoints(string a, string b)
    {
        var x = a.EnumerateRunes().GetEnumerator();
        var y = b.EnumerateRunes().GetEnumerator();
        while (true)
        {
            var hasX = x.MoveNext();
            var hasY = y.MoveNext();
            if (!hasX || !hasY) return hasX.CompareTo(hasY);
            var c = x.Current.Value.CompareTo(y.Current.Value);
            if (c != 0) return c;
        }
    }

    private static object In(object element, object container) => container switch
    {
        CelList list => list.Items().Any(item => CelValues.Equal(item, element)),
        CelMap map => map.TryGet(element, out _),
        _ => CelFunctions.NoOverload("@in", [element, container]),
    };

    private static object Add(object left, object right)
    {
        switch (left, right)
        {
            case (string a, string b): return a + b;
            case (CelList a, CelList b): return CelList.Of([.. a.Items(), .. b.Items()]);
            case (long a, long b):
                try { return checked(a + b); }
                catch (OverflowException) { return new CelError("int overflow"); }
            case (ulong a, ulong b):
                try { return checked(a + b); }
                catch (OverflowException) { return new CelError("uint overflow"); }
            case (double a, double b): return a + b;
            default: return CelFunctions.NoOverload("+", [left, right]);
        }
    }

    private static object Arithmetic(string op, object left, object right)
    {
        try
        {
            return (left, right) switch
            {
                (long a, long b) => op switch
                {
                    "-" => checked(a - b),
                    "*" => checked(a * b),
                    "/" => b == 0 ? new CelError("division by zero") : a == long.MinValue && b == -1 ? new CelError("int overflow") : a / b,
                    _ => b == 0 ? new CelError("modulus by zero") : b == -1 ? 0L : a % b,
                },
                (ulong a, ulong b) => op switch
                {
                    "-" => checked(a - b),
                    "*" => checked(a * b),
                    "/" => b == 0 ? new CelError("division by zero") : a / b,
                    _ => b == 0 ? new CelError("modulus by zero") : a % b,
                },
                (double a, double b) when op != "%" => op switch
                {
                    "-" => a - b,
                    "*" => a * b,
                    _ => a / b,
                },
                _ => CelFunctions.NoOverload(op, [left, right]),
            };
        }
        catch (OverflowException)
        {
            return new CelError(left is ulong ? "uint overflow" : "int overflow");
        }
    }
}
