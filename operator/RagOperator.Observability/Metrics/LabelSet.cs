using System.Collections.Concurrent;
using System.Globalization;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// An immutable, name-sorted set of Prometheus labels: the identity of one series inside a family.
/// Names are sanitised; values are formatted with the invariant culture so output never depends on the host locale.
/// </summary>
internal sealed class LabelSet : IEquatable<LabelSet>, IComparable<LabelSet>
{
    public static readonly LabelSet Empty = new([]);

    // Tag keys come from a small, fixed vocabulary, so their sanitised form is worth caching.
    private static readonly ConcurrentDictionary<string, string> LabelNames = new(StringComparer.Ordinal);

    private readonly int _hash;

    private LabelSet(KeyValuePair<string, string>[] labels)
    {
        Labels = labels;
        var hash = new HashCode();
        foreach (var (name, value) in labels)
        {
            hash.Add(name, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    /// <summary>
    /// Builds the set from the instrument's own tags and a measurement's tags (the measurement wins on a clash).
    /// Two keys that sanitise to the same label name are joined with <c>;</c> in key order, as the OpenTelemetry
    /// Prometheus rules say, so no value is lost silently. <paramref name="reserved"/> names (such as <c>le</c> on a
    /// histogram) are renamed with a leading underscore so they cannot clash with the exporter's own labels.
    /// </summary>
    public static LabelSet From(
        IReadOnlyList<KeyValuePair<string, object?>> instrumentTags,
        ReadOnlySpan<KeyValuePair<string, object?>> tags,
        string? reserved)
    {
        if (tags.Length == 0 && instrumentTags.Count == 0)
        {
            return Empty;
        }

        // (label name, original key, value); the measurement's tags come last so they win a clash of the same key.
        var entries = new List<(string Name, string Key, string Value)>(tags.Length + instrumentTags.Count);
        foreach (var (key, value) in instrumentTags)
        {
            Add(entries, key, value, reserved);
        }

        foreach (var (key, value) in tags)
        {
            Add(entries, key, value, reserved);
        }

        entries.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Key, b.Key);
        });

        var labels = new List<KeyValuePair<string, string>>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var (name, _, value) = entries[i];
            if (labels.Count > 0 && labels[^1].Key == name)
            {
                labels[^1] = new(name, $"{labels[^1].Value};{value}");
                continue;
            }

            labels.Add(new(name, value));
        }

        return new LabelSet([.. labels]);
    }

    private static void Add(List<(string Name, string Key, string Value)> entries, string key, object? value, string? reserved)
    {
        var name = LabelNames.GetOrAdd(key, PrometheusNaming.SanitizeLabelName);
        if (name == reserved)
        {
            name = "_" + name;
        }

        // A key repeated (instrument tag overridden by a measurement tag) keeps the later value only.
        var existing = entries.FindIndex(entry => entry.Key == key);
        if (existing >= 0)
        {
            entries[existing] = (name, key, FormatValue(value));
            return;
        }

        entries.Add((name, key, FormatValue(value)));
    }

    public static string FormatValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    public bool Equals(LabelSet? other)
    {
        if (other is null || other._hash != _hash || other.Labels.Count != Labels.Count)
        {
            return false;
        }

        for (var i = 0; i < Labels.Count; i++)
        {
            if (!string.Equals(Labels[i].Key, other.Labels[i].Key, StringComparison.Ordinal)
                || !string.Equals(Labels[i].Value, other.Labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hash;

    public int CompareTo(LabelSet? other)
    {
        if (other is null)
        {
            return 1;
        }

        for (var i = 0; i < Math.Min(Labels.Count, other.Labels.Count); i++)
        {
            var byName = string.CompareOrdinal(Labels[i].Key, other.Labels[i].Key);
            if (byName != 0)
            {
                return byName;
            }

            var byValue = string.CompareOrdinal(Labels[i].Value, other.Labels[i].Value);
            if (byValue != 0)
            {
                return byValue;
            }
        }

        return Labels.Count.CompareTo(other.Labels.Count);
    }
}
