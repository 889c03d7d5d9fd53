namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// The compile-time checks after parsing, as far as this subset types expressions: every identifier is declared
/// (<c>self</c>, <c>oldSelf</c> or a macro variable in scope), every function exists with that number of arguments,
/// literal regular expressions compile, and — when the schema of <c>self</c> is known — field selections name fields
/// the schema declares (kube-apiserver rejects <c>self.replica</c> for a schema with <c>replicas</c> at CRD creation).
/// Values whose type the schema leaves open (preserve-unknown-fields, int-or-string, results of calls) are not checked.
/// </summary>
internal sealed class CelChecker(string source, StructuralSchema? selfSchema, IReadOnlyCollection<string> declared)
{
    private static readonly StructuralSchema MetadataSchema = CreateMetadataSchema();

    public bool ReferencesOldSelf { get; private set; }

    public void Check(CelExpr expr) => Check(expr, Scope.Empty);

    private StructuralSchema? Check(CelExpr expr, Scope scope)
    {
        switch (expr)
        {
            case CelLiteral:
                return null;
            case CelIdent ident:
                if (scope.TryGet(ident.Name, out var bound)) return bound;
                if (!declared.Contains(ident.Name)) throw Error(ident.Position, $"undeclared reference to '{ident.Name}' (in container '')");
                if (ident.Name == "oldSelf") ReferencesOldSelf = true;
                return ident.Name is "self" or "oldSelf" ? selfSchema : null;
            case CelSelect select:
                return FieldSchema(Check(select.Operand, scope), select.Field, select.Position);
            case CelIndex index:
            {
                var operand = Check(index.Operand, scope);
                Check(index.Index, scope);
                return operand switch
                {
                    { Type: "array" } => operand.Items,
                    { AdditionalProperties: { } values } => values,
                    _ => null,
                };
            }
            case CelCall call:
                CheckCall(call, scope);
                return null;
            case CelUnary unary:
                Check(unary.Operand, scope);
                return null;
            case CelBinary binary:
                Check(binary.Left, scope);
                Check(binary.Right, scope);
                return null;
            case CelConditional conditional:
                Check(conditional.Condition, scope);
                Check(conditional.Then, scope);
                Check(conditional.Else, scope);
                return null;
            case CelListLiteral list:
                foreach (var element in list.Elements) Check(element, scope);
                return null;
            case CelMapLiteral map:
                foreach (var entry in map.Entries)
                {
                    Check(entry.Key, scope);
                    Check(entry.Value, scope);
                }
                return null;
            case CelComprehension comprehension:
            {
                var range = Check(comprehension.Range, scope);
                // Over a list the variable is an element; over a map it is a key (a string for schema maps).
                var inner = scope.With(comprehension.Variable, range is { Type: "array" } ? range.Items : null);
                if (comprehension.Predicate is not null) Check(comprehension.Predicate, inner);
                if (comprehension.Transform is not null) Check(comprehension.Transform, inner);
                return null;
            }
            default:
                throw Error(expr.Position, $"unsupported expression {expr.GetType().Name}");
        }
    }

    private void CheckCall(CelCall call, Scope scope)
    {
        if (call.Target is not null) Check(call.Target, scope);
        foreach (var arg in call.Args) Check(arg, scope);
        var table = call.Target is null ? CelFunctions.Global : CelFunctions.Receiver;
        if (!table.TryGetValue(call.Function, out var arity))
        {
            var known = CelFunctions.Global.ContainsKey(call.Function) || CelFunctions.Receiver.ContainsKey(call.Function);
            throw Error(call.Position, known
                ? $"found no matching overload for '{call.Function}' called {(call.Target is null ? "as a global function" : "on a receiver")}"
                : $"undeclared reference to '{call.Function}' (in container '')");
        }
        if (call.Args.Count != arity)
            throw Error(call.Position, $"found no matching overload for '{call.Function}' applied to {call.Args.Count + (call.Target is null ? 0 : 1)} argument(s)");
        if (call.Function == "matches" && call.Args[^1] is CelLiteral { Value: string pattern }
            && CelFunctions.CompileRegex(pattern, out var regexError) is null)
            throw Error(call.Args[^1].Position, $"invalid regular expression '{pattern}': {regexError}");
    }

    private StructuralSchema? FieldSchema(StructuralSchema? schema, string field, int position)
    {
        if (schema is null || schema.IntOrString) return null;
        if (schema.IsRoot && field == "metadata") return MetadataSchema;
        if (schema.Type is not (null or "object"))
            throw Error(position, $"type '{CelTypeOf(schema)}' does not support field selection");
        if (schema.Properties.Count > 0)
        {
            if (schema.Properties.TryGetValue(CelFieldNames.Unescape(field), out var property)) return property;
            if (schema.PreserveUnknownFields) return null;
            throw Error(position, $"undefined field '{field}'");
        }
        if (schema.AdditionalProperties is not null) return schema.AdditionalProperties;
        if (schema.PreserveUnknownFields || schema.Type is null) return null;
        throw Error(position, $"undefined field '{field}'");
    }

    private static string CelTypeOf(StructuralSchema schema) => schema.Type switch
    {
        "integer" => "int",
        "number" => "double",
        "boolean" => "bool",
        "array" => "list",
        var t => t ?? "dyn",
    };

    // kube-apiserver exposes only metadata.name and metadata.generateName to CEL.
    private static StructuralSchema CreateMetadataSchema() => new()
    {
        Type = "object",
        Properties = new Dictionary<string, StructuralSchema>(StringComparer.Ordinal)
        {
            ["name"] = new() { Type = "string" },
            ["generateName"] = new() { Type = "string" },
        },
    };

    private CelCompileException Error(int position, string message) => CelCompileException.At(source, position, "", message);

    private sealed class Scope
    {
        public static readonly Scope Empty = new(null, "", null);

        private readonly Scope? _parent;
        private readonly string _name;
        private readonly StructuralSchema? _schema;

        private Scope(Scope? parent, string name, StructuralSchema? schema)
        {
            _parent = parent;
            _name = name;
            _schema = schema;
        }

        public Scope With(string name, StructuralSchema? schema) => new(this, name, schema);

        public bool TryGet(string name, out StructuralSchema? schema)
        {
            for (var s = this; s?._parent is not null; s = s._parent)
            {
                if (s._name == name)
                {
                    schema = s._schema;
                    return true;
                }
            }
            schema = null;
            return false;
        }
    }
}
