using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.InProcess.Validation.Cel;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// Validates a (pruned, defaulted) custom resource against its structural schema the way kube-apiserver does:
/// first the OpenAPI value validations (type, nullable, enum, bounds, lengths, pattern, <c>format: date-time</c>,
/// item and property counts, required, list-type map/set uniqueness, logical junctors), then — only when none of
/// those failed with a blocking error (type, required, unsupported value, too long, too many) — the CEL
/// <c>x-kubernetes-validations</c>, with transition rules evaluated only on update where the old object has the
/// value. Messages and field paths match kube-apiserver's: kube-openapi names map entries <c>path.key</c>,
/// CEL errors name them <c>path[key]</c>.
/// Departures: validation ratcheting (unchanged invalid fields being let through on update) is not implemented;
/// <c>metadata</c> is not validated here (see <see cref="ValidateMetadataName"/>).
/// </summary>
public static class SchemaValidator
{
    private static readonly HashSet<string> BlockingTypes = new(StringComparer.Ordinal)
    {
        FieldErrorTypes.NotSupported, FieldErrorTypes.Required, FieldErrorTypes.TooLong, FieldErrorTypes.TooMany, FieldErrorTypes.TypeInvalid,
    };

    /// <summary>Every error of <paramref name="obj"/>; pass the stored object as <paramref name="oldObj"/> on update, null on create.</summary>
    public static IReadOnlyList<FieldError> Validate(StructuralSchema schema, JsonNode obj, JsonNode? oldObj)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var errors = new List<FieldError>();
        OpenApiValidator.Validate(schema, obj, "", errors);
        if (errors.Any(e => BlockingTypes.Contains(e.Type)))
        {
            errors.Add(new FieldError("<nil>", FieldErrorTypes.Invalid,
                "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
                "\"null\""));
            return errors;
        }
        ValidateRules(schema, obj, oldObj, oldObj is not null, "", errors);
        return errors;
    }

    /// <summary>Validates a value that is not a whole resource (a schema default) at <paramref name="path"/>, CEL included.</summary>
    internal static List<FieldError> ValidateValue(StructuralSchema schema, JsonNode? value, string path)
    {
        var errors = new List<FieldError>();
        OpenApiValidator.Validate(schema, value, path, errors);
        if (errors.Count == 0) ValidateRules(schema, value, null, false, path, errors);
        return errors;
    }

    /// <summary>
    /// The checks kube-apiserver applies to a custom resource's <c>metadata.name</c>: a name or generateName is
    /// present and the name is a DNS-1123 subdomain.
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateMetadataName(JsonNode obj) => ObjectNameValidator.Validate(obj);

    private static void ValidateRules(StructuralSchema schema, JsonNode? value, JsonNode? old, bool hasOld, string path, List<FieldError> errors)
    {
        if (value is null) return;
        foreach (var rule in schema.Rules)
        {
            if (rule.IsTransitionRule && !hasOld) continue;
            var result = rule.Program.Evaluate(value, old, hasOld);
            if (result is true) continue;
            var typeName = ValueRenderer.Quote(schema.Type ?? "");
            errors.Add(result switch
            {
                false => RuleFailure(rule, rule.ErrorField(path), typeName),
                CelError error => FieldError.Invalid(path, typeName, $"{error.Message} evaluating rule: {rule.Rule.Trim()}"),
                _ => FieldError.Invalid(path, typeName, $"rule evaluated to {CelValues.TypeName(result)}, expected bool: {rule.Rule.Trim()}"),
            });
        }

        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    if (schema.IsRoot && name == "metadata") continue;
                    JsonNode? oldChild = null;
                    var childHasOld = hasOld && old is JsonObject oldObj && oldObj.TryGetPropertyValue(name, out oldChild);
                    if (schema.Properties.TryGetValue(name, out var property))
                        ValidateRules(property, child, oldChild, childHasOld, FieldPaths.Child(path, name), errors);
                    else if (schema.AdditionalProperties is { } values)
                        ValidateRules(values, child, oldChild, childHasOld, FieldPaths.Key(path, name), errors);
                }
                break;
            case JsonArray array when schema.Items is { } items:
                var oldByKey = schema.ListType == "map" && hasOld && old is JsonArray oldArray ? ListMapIndex(oldArray, schema.ListMapKeys) : null;
                for (var i = 0; i < array.Count; i++)
                {
                    // Only list-type map items correlate with old items (by key); other lists have no oldSelf for items.
                    JsonNode? oldItem = null;
                    var itemHasOld = oldByKey is not null && array[i] is JsonObject item && oldByKey.TryGetValue(ListMapKey(item, schema.ListMapKeys), out oldItem);
                    ValidateRules(items, array[i], oldItem, itemHasOld, FieldPaths.Index(path, i), errors);
                }
                break;
        }
    }

    private static FieldError RuleFailure(ValidationRule rule, string field, string typeName) => rule.Reason switch
    {
        FieldErrorTypes.Forbidden => FieldError.Forbidden(field, rule.FailureMessage),
        FieldErrorTypes.Required => FieldError.Required(field, rule.FailureMessage),
        FieldErrorTypes.Duplicate => FieldError.Duplicate(field, typeName),
        _ => FieldError.Invalid(field, typeName, rule.FailureMessage),
    };

    internal static string ListMapKey(JsonObject item, IReadOnlyList<string> keys) =>
        new JsonObject(keys.Select(k => KeyValuePair.Create(k, item[k]?.DeepClone()))).ToJsonString();

    private static Dictionary<string, JsonNode?> ListMapIndex(JsonArray array, IReadOnlyList<string> keys)
    {
        var index = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in array)
        {
            if (item is JsonObject obj) index.TryAdd(ListMapKey(obj, keys), obj);
        }
        return index;
    }

    internal static bool IsString(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String;
}
