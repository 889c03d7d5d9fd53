namespace RagOperator.InProcess.Validation.Cel;

/// <summary>A CEL expression does not parse or check; the message points at the offending line and column.</summary>
public sealed class CelCompileException : Exception
{
    public CelCompileException() { }

    public CelCompileException(string message) : base(message) { }

    public CelCompileException(string message, Exception innerException) : base(message, innerException) { }

    internal static CelCompileException At(string source, int position, string kind, string message)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < position && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return new CelCompileException($"ERROR: <input>:{line}:{column}: {kind}{message}");
    }
}
