using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// A parsed, checked CRD <c>openAPIV3Schema</c> node: the structural part (type, properties, items,
/// additionalProperties, the <c>x-kubernetes-*</c> extensions) plus the value validations and compiled CEL rules
/// hung on it. Immutable once <see cref="Parse"/> returns, so one instance can serve concurrent requests.
/// </summary>
/// <remarks>
/// <see cref="Parse"/> enforces what kube-apiserver enforces when a CRD is created: every node has a type (unless
/// it is <c>x-kubernetes-int-or-string</c> or <c>x-kubernetes-preserve-unknown-fields</c>), logical junctors
/// (<c>allOf</c>/<c>anyOf</c>/<c>oneOf</c>/<c>not</c>) carry only value validations on fields also declared outside
/// them, <c>properties</c> and <c>additionalProperties</c> are exclusive, arrays have <c>items</c>, no
/// <c>$ref</c>/<c>uniqueItems: true</c>/<c>patternProperties</c>/<c>dependencies</c>/<c>additionalItems</c>, root
/// <c>metadata</c> restricts only <c>name</c> and <c>generateName</c>, list-map keys are required or defaulted scalar
/// fields, patterns compile, CEL rules compile, and every default is pruned-clean and valid against its schema.
/// Departures: unknown schema keywords are rejected (the real server drops them silently), and <c>format</c>
/// values other than <c>date-time</c> are accepted but not checked.
/// </remarks>
public sealed class StructuralSchema
{
    internal StructuralSchema() { }

    /// <summary>object, array, string, integer, number or boolean; null for int-or-string and untyped preserve-unknown-fields nodes.</summary>
    public string? Type { get; internal set; }
    public bool Nullable { get; internal set; }
    public string? Format { get; internal set; }
    public string? Description { get; internal set; }
    /// <summary>The <c>default</c> value; never mutated (callers get deep copies).</summary>
    public JsonNode? Default { get; internal set; }
    public bool HasDefault => Default is not null;

    public IReadOnlyDictionary<string, StructuralSchema> Properties { get; internal set; } = EmptyProperties;
    public IReadOnlyList<string> Required { get; internal set; } = [];
    public StructuralSchema? AdditionalProperties { get; internal set; }
    public StructuralSchema? Items { get; internal set; }

    public IReadOnlyList<JsonNode?>? Enum { get; internal set; }
    public double? Minimum { get; internal set; }
    public double? Maximum { get; internal set; }
    public bool ExclusiveMinimum { get; internal set; }
    public bool ExclusiveMaximum { get; internal set; }
    public double? MultipleOf { get; internal set; }
    public long? MinLength { get; internal set; }
    public long? MaxLength { get; internal set; }
    public long? MinItems { get; internal set; }
    public long? MaxItems { get; internal set; }
    public long? MinProperties { get; internal set; }
    public long? MaxProperties { get; internal set; }
    public string? Pattern { get; internal set; }
    internal Regex? PatternRegex { get; set; }

    public bool PreserveUnknownFields { get; internal set; }
    public bool IntOrString { get; internal set; }
    public bool EmbeddedResource { get; internal set; }
    /// <summary>atomic, set or map (<c>x-kubernetes-list-type</c>); null when unset (atomic).</summary>
    public string? ListType { get; internal set; }
    public IReadOnlyList<string> ListMapKeys { get; internal set; } = [];
    public string? MapType { get; internal set; }

    /// <summary>Value-validation-only subschemas of <c>allOf</c>/<c>anyOf</c>/<c>oneOf</c> and the <c>not</c> schema.</summary>
    public IReadOnlyList<StructuralSchema> AllOf { get; internal set; } = [];
    public IReadOnlyList<StructuralSchema> AnyOf { get; internal set; } = [];
    public IReadOnlyList<StructuralSchema> OneOf { get; internal set; } = [];
    public StructuralSchema? Not { get; internal set; }

    /// <summary>The compiled <c>x-kubernetes-validations</c> of this node.</summary>
    public IReadOnlyList<ValidationRule> Rules { get; internal set; } = [];

    /// <summary>True for the schema root (the custom resource itself): apiVersion, kind and metadata are special there.</summary>
    public bool IsRoot { get; internal set; }

    /// <summary>Parses and checks a CRD version's <c>openAPIV3Schema</c>; throws <see cref="StructuralSchemaException"/> listing every violation.</summary>
    public static StructuralSchema Parse(JsonObject openApiV3Schema) => StructuralSchemaReader.Read(openApiV3Schema);

    /// <summary>The schema of property <paramref name="name"/>, or of additionalProperties; null when the field is unknown.</summary>
    public StructuralSchema? Child(string name) =>
        Properties.TryGetValue(name, out var p) ? p : AdditionalProperties;

    internal static readonly IReadOnlyDictionary<string, StructuralSchema> EmptyProperties = new Dictionary<string, StructuralSchema>();
}
