namespace RagOperator.Benchmarks.Reporting;

/// <summary>One headline figure of the suite, e.g. <c>router_vs_direct_p99: 1.42</c>, with the absolute numbers behind it.</summary>
public sealed record Headline(string Key, string Value, string Detail);

/// <summary>A table of one suite's measurements, printed side by side.</summary>
public sealed record Section(string Title, string Description, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>Lines written under the table (how it was measured, deviations from the real deployment).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>What one suite produced: headline figures and the tables they come from.</summary>
public sealed record SuiteResult(string Name, IReadOnlyList<Headline> Headlines, IReadOnlyList<Section> Sections, TimeSpan Elapsed)
{
    /// <summary>Set when the suite threw; the run continues with the next suite and fails at the end.</summary>
    public string? Error { get; init; }
}
