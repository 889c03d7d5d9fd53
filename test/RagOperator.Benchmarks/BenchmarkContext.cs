namespace RagOperator.Benchmarks;

/// <summary>What every suite gets: the sizes of this run, a progress log, and where the repository is.</summary>
public sealed record BenchmarkContext(BenchmarkSizes Sizes, TextWriter Log, string RepositoryRoot, int Seed);

/// <summary>One benchmark suite: it measures, then returns its headline figures and tables.</summary>
public interface IBenchmarkSuite
{
    /// <summary>Short name used by <c>--only</c> and as the section title.</summary>
    string Name { get; }

    Task<Reporting.SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}
