using System.Globalization;

namespace RagOperator.Demo.Measurement;

/// <summary>When each migration phase was first seen, relative to the patch of spec.shards (resolution: the poll interval).</summary>
public sealed class PhaseTimeline
{
    private readonly List<(string Phase, TimeSpan Start)> marks = [];

    public IReadOnlyList<(string Phase, TimeSpan Start)> Marks => marks;

    /// <summary>Records <paramref name="phase"/> at <paramref name="at"/> unless it is the phase already current.</summary>
    public void Observe(string phase, TimeSpan at)
    {
        if (marks.Count == 0 || marks[^1].Phase != phase) marks.Add((phase, at));
    }

    /// <summary>How long <paramref name="phase"/> lasted: from its first sighting to the next phase's; null if never seen or still current.</summary>
    public TimeSpan? DurationOf(string phase)
    {
        var index = marks.FindIndex(m => m.Phase == phase);
        return index < 0 || index == marks.Count - 1 ? null : marks[index + 1].Start - marks[index].Start;
    }

    public override string ToString() =>
        string.Join(", ", marks.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Phase} +{m.Start.TotalSeconds:0.0}s")));
}
