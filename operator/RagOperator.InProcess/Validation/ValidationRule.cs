using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.InProcess.Validation.Cel;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// One compiled <c>x-kubernetes-validations</c> entry. A rule that mentions <c>oldSelf</c> is a transition rule: it is
/// evaluated only on update and only where the old object has a correlated value (Kubernetes semantics).
/// </summary>
public sealed class ValidationRule
{
    private static readonly HashSet<string> Reasons = new(StringComparer.Ordinal)
    {
        FieldErrorTypes.Invalid, FieldErrorTypes.Forbidden, FieldErrorTypes.Required, FieldErrorTypes.Duplicate,
    };

    private ValidationRule(string rule, string? message, string? fieldPath, IReadOnlyList<string> fieldPathNames, string reason, CelProgram program)
    {
        Rule = rule;
        Message = message;
        FieldPath = fieldPath;
        FieldPathNames = fieldPathNames;
        Reason = reason;
        Program = program;
    }

    public string Rule { get; }
    public string? Message { get; }
    /// <summary>The rule's <c>fieldPath</c> as written (<c>.sharding.slots</c>), relative to the schema node.</summary>
    public string? FieldPath { get; }
    /// <summary>The field names <see cref="FieldPath"/> descends through.</summary>
    public IReadOnlyList<string> FieldPathNames { get; }
    /// <summary>FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</summary>
    public string Reason { get; }
    public CelProgram Program { get; }
    public bool IsTransitionRule => Program.ReferencesOldSelf;

    /// <summary>The message a failure reports: the rule's message, or "failed rule: &lt;rule&gt;".</summary>
    public string FailureMessage => Message ?? "failed rule: " + Rule.Trim();

    /// <summary>Reads one entry; <paramref name="errors"/> receives what kube-apiserver would reject, prefixed by <paramref name="location"/>.</summary>
    internal static ValidationRule? Read(JsonNode? node, StructuralSchema schema, string location, List<string> errors)
    {
        if (node is not JsonObject entry)
        {
            errors.Add($"{location}: must be an object with a rule");
            return null;
        }
        foreach (var key in entry.Select(kv => kv.Key))
        {
            switch (key)
            {
                case "rule" or "message" or "fieldPath" or "reason":
                    break;
                case "optionalOldSelf" when entry[key] is JsonValue v && v.GetValueKind() == JsonValueKind.False:
                    break;
                case "messageExpression" or "optionalOldSelf":
                    errors.Add($"{location}.{key}: Unsupported: {key} is not supported by the in-process CEL subset");
                    return null;
                default:
                    errors.Add($"{location}.{key}: unknown field");
                    return null;
            }
        }
        var rule = StringField(entry, "rule");
        if (string.IsNullOrWhiteSpace(rule))
        {
            errors.Add($"{location}.rule: Required value");
            return null;
        }
        var message = StringField(entry, "message");
        if (message is not null && (message.Trim().Length == 0 || message.Contains('\n', StringComparison.Ordinal)))
        {
            errors.Add($"{location}.message: Invalid value: {ValueRenderer.Quote(message)}: must be non-empty and must not contain line breaks");
            return null;
        }
        var reason = StringField(entry, "reason") ?? FieldErrorTypes.Invalid;
        if (!Reasons.Contains(reason))
        {
            errors.Add($"{location}.reason: Unsupported value: {ValueRenderer.Quote(reason)}: supported values: {string.Join(", ", Reasons.Select(ValueRenderer.Quote))}");
            return null;
        }
        var fieldPath = StringField(entry, "fieldPath");
        IReadOnlyList<string> names = [];
        if (fieldPath is not null)
        {
            var parsed = ParseFieldPath(fieldPath, schema, out var pathError);
            if (parsed is null)
            {
                errors.Add($"{location}.fieldPath: Invalid value: {ValueRenderer.Quote(fieldPath)}: {pathError}");
                return null;
            }
            names = parsed;
        }
        try
        {
            var program = CelProgram.Compile(rule, schema);
            return new ValidationRule(rule, message, fieldPath, names, reason, program);
        }
        catch (CelCompileException e)
        {
            errors.Add($"{location}.rule: Invalid value: {ValueRenderer.Quote(rule)}: compilation failed: {e.Message}");
            return null;
        }
    }

    /// <summary>The error path of a failure at <paramref name="location"/>: the location followed by the fieldPath's fields.</summary>
    internal string ErrorField(string location) => FieldPathNames.Aggregate(location, FieldPaths.Child);

    private static string? StringField(JsonObject entry, string name) =>
        entry[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>
    /// Parses <c>.a.b</c> / <c>['a.b']</c> steps and checks each names a field of the schema (descending through list
    /// items), as kube-apiserver does; numeric list indexes are not allowed.
    /// </summary>
    private static List<string>? ParseFieldPath(string path, StructuralSchema schema, out string error)
    {
        var names = new List<string>();
        var current = schema;
        var i = 0;
        error = "";
        if (path.Length == 0)
        {
            error = "must be a non-empty relative path";
            return null;
        }
        while (i < path.Length)
        {
            string name;
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] is not ('.' or '[')) i++;
                name = path[start..i];
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] is '\'' or '"')
            {
                var quote = path[i + 1];
                var end = path.IndexOf(quote + "]", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    error = "unterminated ['name'] step";
                    return null;
                }
                name = path[(i + 2)..end];
                i = end + 2;
            }
            else
            {
                error = path[i] == '[' ? "numeric list indexes are not supported" : "expected '.name' or ['name']";
                return null;
            }
            if (name.Length == 0)
            {
                error = "empty field name";
                return null;
            }
            while (current.Type == "array" && current.Items is not null) current = current.Items;
            var child = current.Child(name);
            if (child is null && !current.PreserveUnknownFields)
            {
                error = $"does not refer to a valid field: {name} is not declared in the schema";
                return null;
            }
            names.Add(name);
            current = child ?? new StructuralSchema { PreserveUnknownFields = true };
        }
        return names;
    }
}
