using RagOperator.Benchmarks.Micro;

namespace RagOperator.Benchmarks.Suites;

/// <summary>The suites in the order they run: pure first, then the data plane, then the whole product.</summary>
public static class Suites
{
    public static IBenchmarkSuite[] All() =>
    [
        new MovedFractionSuite(),
        new SemanticRecallSuite(),
        new MicroBenchmarkSuite(),
        new RouterVsDirectSuite(),
        new HedgedSearchSuite(),
        new RoutingPropagationSuite(),
        new MigrationVsPlainCopySuite(),
        new SearchDuringMigrationSuite(),
        new ReconcileSuite(),
    ];

    /// <summary>The directory holding RagOperator.sln, searched upwards from the working directory and then from the binary.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "RagOperator.sln"))) return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
