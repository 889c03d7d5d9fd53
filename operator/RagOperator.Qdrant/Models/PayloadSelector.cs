namespace RagOperator.Qdrant.Models;

/// <summary>
/// Qdrant's <c>with_payload</c> union: <c>true</c>/<c>false</c>, a list of fields to include, or
/// <c>{"exclude": [...]}</c>.
/// </summary>
public sealed record PayloadSelector
{
    private PayloadSelector(bool enabled, IReadOnlyList<string>? include, IReadOnlyList<string>? exclude)
    {
        Enabled = enabled;
        Include = include;
        Exclude = exclude;
    }

    public bool Enabled { get; }
    public IReadOnlyList<string>? Include { get; }
    public IReadOnlyList<string>? Exclude { get; }

    public static PayloadSelector All { get; } = new(true, null, null);
    public static PayloadSelector None { get; } = new(false, null, null);

    public static PayloadSelector Fields(params string[] fields) => new(true, fields, null);

    public static PayloadSelector AllExcept(params string[] fields) => new(true, null, fields);

    public static implicit operator PayloadSelector(bool enabled) => enabled ? All : None;
}
