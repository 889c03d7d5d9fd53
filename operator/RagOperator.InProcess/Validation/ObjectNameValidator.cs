using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Validation;

/// <summary>kube-apiserver's checks of a custom resource's name: present (or generateName), a DNS-1123 subdomain.</summary>
internal static partial class ObjectNameValidator
{
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    public static IReadOnlyList<FieldError> Validate(JsonNode obj)
    {
        var metadata = obj["metadata"] as JsonObject;
        var name = metadata?["name"] is JsonValue n && SchemaValidator.IsString(n) ? n.GetValue<string>() : null;
        var generateName = metadata?["generateName"] is JsonValue g && SchemaValidator.IsString(g) ? g.GetValue<string>() : null;
        if (string.IsNullOrEmpty(name))
        {
            return string.IsNullOrEmpty(generateName)
                ? [FieldError.Required("metadata.name", "name or generateName is required")]
                : [];
        }
        var errors = new List<FieldError>();
        if (name.Length > 253) errors.Add(FieldError.Invalid("metadata.name", ValueRenderer.Quote(name), "must be no more than 253 characters"));
        if (!Subdomain().IsMatch(name)) errors.Add(FieldError.Invalid("metadata.name", ValueRenderer.Quote(name), SubdomainMessage));
        return errors;
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();
}
