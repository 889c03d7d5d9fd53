namespace RagOperator.InProcess.Validation;

/// <summary>
/// One validation failure, shaped like a Kubernetes <c>StatusCause</c>: <paramref name="Field"/> is the field path
/// (<c>spec.dimension</c>, <c>spec.tolerations[0].key</c>, <c>spec.nodeSelector[zone]</c>), <paramref name="Type"/> the
/// cause reason (<see cref="FieldErrorTypes"/>), <paramref name="Message"/> the body kube-apiserver writes after the
/// field (<c>Invalid value: 0: spec.dimension in body should be greater than or equal to 1</c>), and
/// <paramref name="BadValue"/> the offending value rendered the way the message renders it (strings quoted), or null
/// when the error carries no value (Required, Forbidden, Too long).
/// </summary>
public sealed record FieldError(string Field, string Type, string Message, string? BadValue)
{
    /// <summary>The cause as kube-apiserver prints it: <c>field: message</c>.</summary>
    public override string ToString() => $"{Field}: {Message}";

    /// <summary>
    /// The message of the 422 Invalid status, exactly as kube-apiserver builds it
    /// (<c>apierrors.NewInvalid</c>): <c>Kind.group "name" is invalid: cause</c>, or <c>[cause1, cause2]</c> when there are several.
    /// </summary>
    public static string FormatInvalid(string kindDotGroup, string name, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var aggregate = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        return $"{kindDotGroup} \"{name}\" is invalid: {aggregate}";
    }

    internal static FieldError Invalid(string field, string renderedValue, string detail) =>
        new(field, FieldErrorTypes.Invalid, $"Invalid value: {renderedValue}: {detail}", renderedValue);

    internal static FieldError TypeInvalid(string field, string renderedValue, string detail) =>
        new(field, FieldErrorTypes.TypeInvalid, $"Invalid value: {renderedValue}: {detail}", renderedValue);

    internal static FieldError Required(string field, string detail = "") =>
        new(field, FieldErrorTypes.Required, detail.Length == 0 ? "Required value" : $"Required value: {detail}", null);

    internal static FieldError Forbidden(string field, string detail) =>
        new(field, FieldErrorTypes.Forbidden, $"Forbidden: {detail}", null);

    internal static FieldError Duplicate(string field, string renderedValue) =>
        new(field, FieldErrorTypes.Duplicate, $"Duplicate value: {renderedValue}", renderedValue);

    internal static FieldError NotSupported(string field, string renderedValue, IEnumerable<string> supported) =>
        new(field, FieldErrorTypes.NotSupported,
            $"Unsupported value: {renderedValue}: supported values: {string.Join(", ", supported.Select(ValueRenderer.Quote))}",
            renderedValue);

    internal static FieldError TooLong(string field, long max) =>
        new(field, FieldErrorTypes.TooLong, $"Too long: may not be more than {max} bytes", null);

    internal static FieldError TooMany(string field, long actual, long max) =>
        new(field, FieldErrorTypes.TooMany, $"Too many: {actual}: must have at most {max} items", actual.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>The Kubernetes <c>CauseType</c> strings of field errors.</summary>
public static class FieldErrorTypes
{
    public const string Invalid = "FieldValueInvalid";
    public const string Required = "FieldValueRequired";
    public const string NotSupported = "FieldValueNotSupported";
    public const string TypeInvalid = "FieldValueTypeInvalid";
    public const string Forbidden = "FieldValueForbidden";
    public const string Duplicate = "FieldValueDuplicate";
    public const string TooLong = "FieldValueTooLong";
    public const string TooMany = "FieldValueTooMany";
    public const string InternalError = "InternalError";
}
