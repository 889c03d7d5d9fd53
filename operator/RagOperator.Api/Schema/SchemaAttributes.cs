namespace RagOperator.Api.Schema;

/// <summary>Declares a top-level API kind; the CRD generator reads it.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityAttribute(string group, string version, string kind, string plural) : Attribute
{
    public string Group { get; } = group;
    public string Version { get; } = version;
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public bool Namespaced { get; init; } = true;
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
}

/// <summary>
/// The kind serves the <c>scale</c> subresource (what <c>kubectl scale</c>, an HPA or KEDA use): the paths of the
/// desired and the current count, and of the label selector an HPA uses to find the pods behind resource metrics.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ScaleSubresourceAttribute(string specReplicasPath, string statusReplicasPath) : Attribute
{
    public string SpecReplicasPath { get; } = specReplicasPath;
    public string StatusReplicasPath { get; } = statusReplicasPath;
    public string? LabelSelectorPath { get; init; }
}

/// <summary>An additional printer column for <c>kubectl get</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public string? Description { get; init; }
    public int Priority { get; init; }
}

/// <summary>A CEL rule (<c>x-kubernetes-validations</c>) on the schema of the annotated type or property.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
    /// <summary>Path (relative to the schema the rule sits on) reported as the failing field.</summary>
    public string? FieldPath { get; init; }
    /// <summary>FieldValueInvalid, FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</summary>
    public string? Reason { get; init; }
}

/// <summary>The object is an embedded Kubernetes type kept as-is (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>A quantity-like value that may be an integer or a string (<c>x-kubernetes-int-or-string</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IntOrStringAttribute : Attribute;

/// <summary>The initializer of this property is not a schema default (for example an empty list).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NoDefaultAttribute : Attribute;

/// <summary>A list whose items are identified by the given keys (<c>x-kubernetes-list-type: map</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public string[] Keys { get; } = keys;
}
