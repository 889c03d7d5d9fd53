using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// The conditions of one status, changed in place. A condition keeps its <c>lastTransitionTime</c> unless its
/// status flips, so re-stating the same state is not a change and writes nothing. Times are whole seconds, as
/// metav1.Time stores them, so a value read back from the API server compares equal to the one written.
/// </summary>
public sealed class ConditionSet(IEnumerable<Condition>? existing, long? generation, TimeProvider time)
{
    private readonly Dictionary<string, Condition> conditions = (existing ?? []).ToDictionary(c => c.Type, StringComparer.Ordinal);

    public Condition? Get(string type) => conditions.GetValueOrDefault(type);

    public bool IsTrue(string type) => Get(type)?.Status == "True";

    public void Set(string type, bool status, string reason, string message) => Set(type, status ? "True" : "False", reason, message);

    public void Set(string type, string status, string reason, string message)
    {
        var previous = Get(type);
        var transition = previous is not null && previous.Status == status && previous.LastTransitionTime is not null
            ? previous.LastTransitionTime
            : Now();
        conditions[type] = new Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = transition,
        };
    }

    /// <summary>The conditions in display order (known types first), for status.conditions.</summary>
    public List<Condition> ToList() =>
        conditions.Values
            .OrderBy(c => ConditionTypes.Order.ToList() is var order && order.IndexOf(c.Type) is >= 0 and var i ? i : int.MaxValue)
            .ThenBy(c => c.Type, StringComparer.Ordinal)
            .ToList();

    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}
