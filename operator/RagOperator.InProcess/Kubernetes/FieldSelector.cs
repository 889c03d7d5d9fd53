using System.Text;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>One term of a field selector: a dotted field path, equality or inequality, and a value.</summary>
internal sealed record FieldRequirement(string Field, bool Equal, string Value);

/// <summary>
/// A parsed <c>?fieldSelector=</c>: comma-separated <c>field=value</c>, <c>field==value</c> and
/// <c>field!=value</c> terms (backslash escapes <c>\,</c> <c>\=</c> <c>\\</c>). Every resource supports
/// <c>metadata.name</c> and <c>metadata.namespace</c>; a few built-ins support more fields, as their real
/// field-label conversion functions do. Anything else is rejected with 400, like the real server.
/// </summary>
internal sealed class FieldSelector
{
    private static readonly Dictionary<string, string[]> ExtraFields = new(StringComparer.Ordinal)
    {
        ["pods"] = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
        ["events"] = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        ["secrets"] = ["type"],
        ["nodes"] = ["spec.unschedulable"],
        ["namespaces"] = ["status.phase"],
        ["replicasets.apps"] = ["status.replicas"],
        ["jobs.batch"] = ["status.successful"],
    };

    private FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEverything => Requirements.Count == 0;

    public static FieldSelector Parse(string? text, string resource)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<FieldRequirement>();
        foreach (var term in SplitUnescaped(text, ','))
        {
            if (term.Length == 0)
            {
                continue;
            }

            var (field, equal, value) = SplitTerm(term, text);
            if (field is not ("metadata.name" or "metadata.namespace")
                && !(ExtraFields.TryGetValue(resource, out var extra) && extra.Contains(field)))
            {
                throw ApiErrors.BadRequest($"field label not supported: {field}");
            }

            requirements.Add(new FieldRequirement(field, equal, value));
        }

        return new FieldSelector(requirements);
    }

    public static FieldSelector ForName(string name) => new([new FieldRequirement("metadata.name", true, name)]);

    public FieldSelector And(FieldSelector other) => new(Requirements.Concat(other.Requirements).ToList());

    public bool Matches(JsonObject obj) => Requirements.All(r => (ValueOf(obj, r.Field) == r.Value) == r.Equal);

    private static string ValueOf(JsonObject obj, string field)
    {
        var node = JsonTree.At(obj, field.Split('.'));
        return node switch
        {
            null => "",
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            JsonValue value when value.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
            _ => node.ToJsonString(),
        };
    }

    private static (string Field, bool Equal, string Value) SplitTerm(string term, string whole)
    {
        foreach (var (op, equal) in new[] { ("!=", false), ("==", true), ("=", true) })
        {
            var at = IndexOfUnescaped(term, op);
            if (at >= 0)
            {
                return (Unescape(term[..at]).Trim(), equal, Unescape(term[(at + op.Length)..]));
            }
        }

        throw ApiErrors.BadRequest($"invalid selector: '{whole}'; can't understand '{term}'");
    }

    private static int IndexOfUnescaped(string text, string token)
    {
        for (var i = 0; i <= text.Length - token.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }

            if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static string Unescape(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
            }

            builder.Append(text[i]);
        }

        return builder.ToString();
    }
}
