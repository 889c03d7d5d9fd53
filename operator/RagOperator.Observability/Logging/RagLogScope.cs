using Microsoft.Extensions.Logging;

namespace RagOperator.Observability.Logging;

/// <summary>
/// The logging scopes the project uses. A scope state made of key/value pairs is what the JSON console formatter
/// writes as named properties (<c>"collection": "docs"</c>), rather than as one opaque string.
/// </summary>
public static class RagLogScope
{
    public const string Collection = "collection";
    public const string Namespace = "namespace";
    public const string ReconcileId = "reconcileId";

    /// <summary>Opens the scope of one reconcile of one collection; dispose it when the reconcile ends.</summary>
    public static IDisposable? BeginReconcile(this ILogger logger, string @namespace, string collection, string reconcileId) =>
        logger.BeginScope(new ScopeState(
        [
            new(Namespace, @namespace),
            new(Collection, collection),
            new(ReconcileId, reconcileId),
        ]));

    /// <summary>A fresh reconcile id: short enough to read in a log line, random enough not to repeat in practice.</summary>
    public static string NewReconcileId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>Key/value scope state whose ToString is readable in the text format.</summary>
    private sealed class ScopeState(KeyValuePair<string, object?>[] pairs) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => pairs.Length;

        public KeyValuePair<string, object?> this[int index] => pairs[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)pairs).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => string.Join(" ", pairs.Select(pair => $"{pair.Key}={pair.Value}"));
    }
}
