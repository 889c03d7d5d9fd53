using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The metadata checks the real API server applies to every object (names, namespace, labels, annotations),
/// with its messages.
/// </summary>
internal static partial class MetadataValidation
{
    private const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    /// <summary>Resources whose names must be DNS-1123 labels (63 characters, no dots).</summary>
    private static readonly HashSet<string> LabelNamedResources = ["namespaces"];

    /// <summary>Services use the stricter DNS-1035 label (must start with a letter).</summary>
    private static readonly HashSet<string> Dns1035NamedResources = ["services"];

    public static IEnumerable<FieldViolation> Validate(ResourceDefinition resource, JsonObject obj)
    {
        var name = Meta.Name(obj) ?? "";
        var violations = new List<FieldViolation>();
        if (name.Length == 0)
        {
            violations.Add(new FieldViolation("metadata.name", "FieldValueRequired", "name or generateName is required", null));
        }
        else if (Dns1035NamedResources.Contains(resource.GroupResource))
        {
            if (name.Length > 63 || !Dns1035Label().IsMatch(name))
            {
                violations.Add(new FieldViolation("metadata.name", "FieldValueInvalid", name.Length > 63 ? "must be no more than 63 characters" : Dns1035LabelMessage, Quote(name)));
            }
        }
        else if (LabelNamedResources.Contains(resource.GroupResource))
        {
            if (name.Length > 63 || !Dns1123Label().IsMatch(name))
            {
                violations.Add(new FieldViolation("metadata.name", "FieldValueInvalid", name.Length > 63 ? "must be no more than 63 characters" : Dns1123LabelMessage, Quote(name)));
            }
        }
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            violations.Add(new FieldViolation("metadata.name", "FieldValueInvalid", name.Length > 253 ? "must be no more than 253 characters" : Dns1123SubdomainMessage, Quote(name)));
        }

        if (JsonTree.At(obj, "metadata", "labels") is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (!IsQualifiedName(key))
                {
                    violations.Add(new FieldViolation("metadata.labels", "FieldValueInvalid", "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')", Quote(key)));
                }

                var text = JsonTree.GetString(value);
                if (text is null || !IsLabelValue(text))
                {
                    violations.Add(new FieldViolation($"metadata.labels", "FieldValueInvalid", "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", text is null ? value?.ToJsonString() : Quote(text)));
                }
            }
        }

        if (JsonTree.At(obj, "metadata", "annotations") is JsonObject annotations)
        {
            foreach (var (key, value) in annotations)
            {
                if (!IsQualifiedName(key))
                {
                    violations.Add(new FieldViolation("metadata.annotations", "FieldValueInvalid", "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", Quote(key)));
                }

                if (value is not JsonValue v || !v.TryGetValue<string>(out _))
                {
                    violations.Add(new FieldViolation($"metadata.annotations.{key}", "FieldValueInvalid", "annotation values must be strings", value?.ToJsonString() ?? "null"));
                }
            }

            if (annotations.ToJsonString().Length > 256 * 1024)
            {
                violations.Add(new FieldViolation("metadata.annotations", "FieldValueTooLong", "must have at most 262144 bytes", null));
            }
        }

        return violations;
    }

    /// <summary>A label key or annotation key: optional DNS subdomain prefix and a 63-character name.</summary>
    public static bool IsQualifiedName(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || prefix.Length > 253 || !Dns1123Subdomain().IsMatch(prefix))
            {
                return false;
            }
        }

        return name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }

    public static bool IsLabelValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && QualifiedNamePart().IsMatch(value));

    private static string Quote(string text) => "\"" + text + "\"";

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();
}
