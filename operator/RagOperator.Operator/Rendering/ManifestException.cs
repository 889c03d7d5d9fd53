namespace RagOperator.Operator.Rendering;

/// <summary>A manifest file that cannot be rendered: which file (and line), which field, and why.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(string message) : base(message) => Source = "";

    public ManifestException(string message, Exception inner) : base(message, inner) => Source = "";

    public ManifestException(string source, string? field, string problem, Exception? inner = null)
        : base(field is null ? $"{source}: {problem}" : $"{source}: {field}: {problem}", inner)
    {
        Source = source;
        Field = field;
        Problem = problem;
    }

    public ManifestException() : this("invalid manifest") { }

    /// <summary>File name, with the line and object when known (<c>a.yaml:12 (VectorCollection docs)</c>).</summary>
    public new string Source { get; }

    public string? Field { get; }

    public string? Problem { get; }
}
