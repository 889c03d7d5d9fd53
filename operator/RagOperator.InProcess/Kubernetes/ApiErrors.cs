namespace RagOperator.InProcess.Kubernetes;

/// <summary>One invalid field, in the shape of apimachinery's field.Error.</summary>
/// <param name="Field">Field path, e.g. spec.dimension.</param>
/// <param name="Type">Cause type, e.g. FieldValueInvalid.</param>
/// <param name="Detail">The explanation after the type and value.</param>
/// <param name="BadValue">The value as printed (strings quoted), or null.</param>
/// <param name="RenderedBody">A body already rendered by the schema validator, used as is.</param>
internal sealed record FieldViolation(string Field, string Type, string Detail, string? BadValue, string? RenderedBody = null)
{
    /// <summary>The error body without the field path, as field.Error.ErrorBody() renders it.</summary>
    public string Body()
    {
        if (RenderedBody is not null)
        {
            return RenderedBody;
        }

        var typeText = Type switch
        {
            "FieldValueRequired" => "Required value",
            "FieldValueInvalid" or "FieldValueTypeInvalid" => "Invalid value",
            "FieldValueNotSupported" => "Unsupported value",
            "FieldValueForbidden" => "Forbidden",
            "FieldValueDuplicate" => "Duplicate value",
            "FieldValueNotFound" => "Not found",
            "FieldValueTooLong" => "Too long",
            "FieldValueTooMany" => "Too many",
            "InternalError" => "Internal error",
            _ => Type,
        };

        // Required, Forbidden, TooLong and Internal errors do not print the value, the others do.
        var printsValue = Type is not ("FieldValueRequired" or "FieldValueForbidden" or "FieldValueTooLong" or "InternalError");
        var body = printsValue && BadValue is not null ? $"{typeText}: {BadValue}" : typeText;
        return string.IsNullOrEmpty(Detail) ? body : $"{body}: {Detail}";
    }

    public override string ToString() => $"{Field}: {Body()}";
}

/// <summary>Builds the Status errors the real API server returns, with the same reasons and message formats.</summary>
internal static class ApiErrors
{
    public static ApiStatusException NotFound(ResourceDefinition resource, string name) =>
        new(404, "NotFound", $"{resource.GroupResource} \"{name}\" not found", new StatusDetails(name, NullIfEmpty(resource.Group), resource.Plural));

    public static ApiStatusException NotFound(string groupResource, string name) =>
        new(404, "NotFound", $"{groupResource} \"{name}\" not found", new StatusDetails(name, null, groupResource));

    public static ApiStatusException ResourceNotFound() =>
        new(404, "NotFound", "the server could not find the requested resource", new StatusDetails(null, null, null));

    public static ApiStatusException AlreadyExists(ResourceDefinition resource, string name) =>
        new(409, "AlreadyExists", $"{resource.GroupResource} \"{name}\" already exists", new StatusDetails(name, NullIfEmpty(resource.Group), resource.Plural));

    public static ApiStatusException Conflict(ResourceDefinition resource, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {resource.GroupResource} \"{name}\": {detail}", new StatusDetails(name, NullIfEmpty(resource.Group), resource.Plural));

    public static ApiStatusException StaleResourceVersion(ResourceDefinition resource, string name) =>
        Conflict(resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiStatusException Invalid(ResourceDefinition resource, string name, IReadOnlyList<FieldViolation> violations)
    {
        var rendered = violations.Count == 1
            ? violations[0].ToString()
            : "[" + string.Join(", ", violations.Select(v => v.ToString())) + "]";
        var causes = violations.Select(v => new StatusCause(v.Type, v.Body(), v.Field)).ToList();
        return new ApiStatusException(
            422,
            "Invalid",
            $"{resource.QualifiedKind} \"{name}\" is invalid: {rendered}",
            new StatusDetails(name, NullIfEmpty(resource.Group), resource.Kind, causes));
    }

    public static ApiStatusException Invalid(ResourceDefinition resource, string name, FieldViolation violation) =>
        Invalid(resource, name, [violation]);

    /// <summary>A 422 that is not about one field (for example a failed JSON patch test operation).</summary>
    public static ApiStatusException Unprocessable(string message) => new(422, "Invalid", message);

    public static ApiStatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatusException Forbidden(ResourceDefinition resource, string name, string detail) =>
        new(403, "Forbidden", $"{resource.GroupResource} \"{name}\" is forbidden: {detail}", new StatusDetails(name, NullIfEmpty(resource.Group), resource.Plural));

    public static ApiStatusException MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");

    public static ApiStatusException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {contentType})");

    public static ApiStatusException Expired(string message) => new(410, "Expired", message);

    public static ApiStatusException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiStatusException TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later", retryAfterSeconds: retryAfterSeconds);

    public static ApiStatusException InternalError(string detail) =>
        new(500, "InternalError", $"Internal error occurred: {detail}");

    public static ApiStatusException ServiceUnavailable(string detail) =>
        new(503, "ServiceUnavailable", detail);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
