using System.Diagnostics;
using RagOperator.Benchmarks.Reporting;

namespace RagOperator.Benchmarks;

/// <summary>Runs the selected suites one after another; a failing suite is recorded and the others still run.</summary>
public sealed class SuiteRunner(IReadOnlyList<IBenchmarkSuite> suites)
{
    public async Task<IReadOnlyList<SuiteResult>> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var results = new List<SuiteResult>();
        foreach (var suite in suites)
        {
            context.Log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {suite.Name} ...");
            var started = Stopwatch.GetTimestamp();
            SuiteResult result;
            try
            {
                result = await suite.RunAsync(context, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = new SuiteResult(suite.Name, [], [], TimeSpan.Zero) { Error = $"{ex.GetType().Name}: {ex.Message}" };
                context.Log.WriteLine(ex.ToString());
            }

            result = result with { Elapsed = Stopwatch.GetElapsedTime(started) };
            context.Log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {suite.Name}: {(result.Error is null ? "done" : "FAILED: " + result.Error)} in {result.Elapsed.TotalSeconds:0.0} s");
            foreach (var headline in result.Headlines) context.Log.WriteLine($"    {headline.Key}: {headline.Value}  ({headline.Detail})");
            results.Add(result);
        }

        return results;
    }
}
