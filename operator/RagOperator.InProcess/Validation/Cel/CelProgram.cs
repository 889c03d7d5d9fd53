using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// A compiled CEL expression of the subset this project's in-process API server evaluates for
/// <c>x-kubernetes-validations</c>. Supported, exactly:
/// <list type="bullet">
/// <item>variables <c>self</c> and <c>oldSelf</c> (the only declared names), field selection <c>a.b</c> (with
/// Kubernetes' <c>__dash__</c>-style escapes for schema fields), presence test <c>has(a.b)</c>, indexing
/// <c>list[int]</c> and <c>map[key]</c>;</item>
/// <item>literals: int (decimal, hex), uint (<c>1u</c>), double, string (single, double and triple quotes, raw
/// <c>r'..'</c>, CEL escapes), bool, null, lists <c>[..]</c> and maps <c>{k: v}</c>;</item>
/// <item>operators with CEL precedence: <c>?:</c>, <c>||</c>, <c>&amp;&amp;</c>, <c>== != &lt; &lt;= &gt; &gt;= in</c>,
/// <c>+ -</c>, <c>* / %</c>, unary <c>! -</c>; <c>+</c> also concatenates strings and lists;</item>
/// <item>functions <c>size</c> (global and receiver), <c>startsWith</c>, <c>endsWith</c>, <c>contains</c>,
/// <c>matches</c> (receiver and global; unanchored, like RE2), conversions <c>int</c>, <c>uint</c>, <c>double</c>,
/// <c>string</c>, <c>bool</c>, <c>dyn</c>;</item>
/// <item>macros <c>all</c>, <c>exists</c>, <c>exists_one</c>, <c>filter</c>, <c>map</c> (two- and three-argument forms),
/// over lists (elements) and maps (keys).</item>
/// </list>
/// Semantics follow CEL: errors are values absorbed by <c>&amp;&amp;</c>/<c>||</c> (commutatively) and by
/// <c>all</c>/<c>exists</c>; a missing field is "no such key"; int and uint arithmetic is overflow-checked; numbers
/// of different types compare by value; equality across other types is false.
/// Not supported (a compile error, so a CRD using them is rejected): bytes, timestamps and durations, optional
/// syntax (<c>.?</c>, <c>[?</c>), message construction, leading-dot names, <c>type()</c>, and the Kubernetes
/// extension libraries (string helpers such as <c>lowerAscii</c>, lists, regex <c>find</c>, quantity, URLs, IPs).
/// Type checking is partial: identifiers, functions and arities, literal regexes and schema field names are checked
/// at compile time; operand types are checked at run time ("no such overload").
/// </summary>
public sealed class CelProgram
{
    private static readonly string[] RuleVariables = ["self", "oldSelf"];

    private readonly CelExpr _ast;

    private CelProgram(string source, CelExpr ast, bool referencesOldSelf, StructuralSchema? schema)
    {
        Source = source;
        _ast = ast;
        ReferencesOldSelf = referencesOldSelf;
        Schema = schema;
    }

    public string Source { get; }

    /// <summary>True for transition rules (those that mention <c>oldSelf</c>).</summary>
    public bool ReferencesOldSelf { get; }

    /// <summary>The schema of <c>self</c> the program was checked against and converts values with (may be null).</summary>
    public StructuralSchema? Schema { get; }

    /// <summary>Parses and checks <paramref name="source"/>; throws <see cref="CelCompileException"/> on anything outside the subset.</summary>
    public static CelProgram Compile(string source, StructuralSchema? selfSchema = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var ast = CelParser.Parse(source);
        var checker = new CelChecker(source, selfSchema, RuleVariables);
        checker.Check(ast);
        return new CelProgram(source, ast, checker.ReferencesOldSelf, selfSchema);
    }

    /// <summary>Evaluates with <c>self</c> (and, when given, <c>oldSelf</c>) converted from JSON through <see cref="Schema"/>.</summary>
    public object Evaluate(JsonNode? self, JsonNode? oldSelf = null, bool hasOldSelf = false)
    {
        var variables = new Dictionary<string, object>(StringComparer.Ordinal) { ["self"] = CelJson.ToCel(self, Schema) };
        if (hasOldSelf || oldSelf is not null) variables["oldSelf"] = CelJson.ToCel(oldSelf, Schema);
        return Evaluate(variables);
    }

    /// <summary>Evaluates with variables already in CEL form (see <see cref="CelValues"/>). Returns a value or a <see cref="CelError"/>.</summary>
    public object Evaluate(IReadOnlyDictionary<string, object> variables) =>
        new CelEvaluator().Evaluate(_ast, new Activation(variables));
}
