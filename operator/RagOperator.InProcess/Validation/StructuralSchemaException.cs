namespace RagOperator.InProcess.Validation;

/// <summary>A schema is not structural (or otherwise not acceptable to kube-apiserver); <see cref="Errors"/> lists why.</summary>
public sealed class StructuralSchemaException : Exception
{
    public StructuralSchemaException(IReadOnlyList<string> errors)
        : base("invalid CRD schema: " + string.Join("; ", errors)) => Errors = errors;

    public StructuralSchemaException() : this(["unknown error"]) { }

    public StructuralSchemaException(string message) : this([message]) { }

    public StructuralSchemaException(string message, Exception innerException)
        : base("invalid CRD schema: " + message, innerException) => Errors = [message];

    public IReadOnlyList<string> Errors { get; }
}
