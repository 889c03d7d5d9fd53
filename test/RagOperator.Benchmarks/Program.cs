using System.CommandLine;
using System.Diagnostics;
using RagOperator.Benchmarks;
using RagOperator.Benchmarks.Micro;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Suites;

IBenchmarkSuite[] all = Suites.All();
var smoke = new Option<bool>("--smoke") { Description = "Run every benchmark with tiny sizes and write no results file (for make test)." };
var results = new Option<FileInfo?>("--results") { Description = "Write the Markdown report here (ignored with --smoke)." };
var only = new Option<string[]>("--only")
{
    Description = "Run only these suites: " + string.Join(", ", all.Select(s => s.Name)),
    AllowMultipleArgumentsPerToken = true,
};
var seed = new Option<int>("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => 42 };
var collections = new Option<int?>("--collections") { Description = "Collections of the reconcile suite (default 1000; 5 with --smoke)." };
var timeout = new Option<int>("--timeout-minutes") { Description = "Abort the whole run after this long.", DefaultValueFactory = _ => 30 };
var root = new RootCommand("RagOperator benchmark suite: planner, router, routing propagation, migration and reconcile figures.")
{
    smoke, results, only, seed, collections, timeout,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var isSmoke = parse.GetValue(smoke);
    var selected = parse.GetValue(only) is { Length: > 0 } names
        ? all.Where(s => names.Contains(s.Name, StringComparer.OrdinalIgnoreCase)).ToArray()
        : all;
    if (selected.Length == 0)
    {
        Console.Error.WriteLine($"error: no suite matches --only; the suites are {string.Join(", ", all.Select(s => s.Name))}");
        return 2;
    }

    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    deadline.CancelAfter(TimeSpan.FromMinutes(parse.GetValue(timeout)));
    var repositoryRoot = Suites.FindRepositoryRoot();
    var sizes = isSmoke ? BenchmarkSizes.Smoke : BenchmarkSizes.Full;
    if (parse.GetValue(collections) is { } collectionCount) sizes = sizes with { ReconcileCollections = Math.Max(1, collectionCount) };
    var context = new BenchmarkContext(sizes, Console.Out, repositoryRoot, parse.GetValue(seed));
    var started = Stopwatch.GetTimestamp();
    var loadAtStart = MachineInfo.LoadAverage();
    IReadOnlyList<SuiteResult> outcome;
    try
    {
        outcome = await new SuiteRunner(selected).RunAsync(context, deadline.Token);
    }
    catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
    {
        Console.Error.WriteLine($"error: the benchmark run exceeded {parse.GetValue(timeout)} minutes");
        return 1;
    }

    var machine = MachineInfo.Collect(repositoryRoot) with
    {
        Load = loadAtStart is null ? null : $"{loadAtStart} at the start, {MachineInfo.LoadAverage()} at the end (1, 5, 15 min)",
    };
    var report = MarkdownReport.Render(machine, outcome,
        $"dotnet run --project test/RagOperator.Benchmarks -c Release -- {string.Join(' ', args)}".TrimEnd(), Stopwatch.GetElapsedTime(started));
    Console.WriteLine();
    Console.WriteLine(report);
    if (!isSmoke && parse.GetValue(results) is { } file)
    {
        Directory.CreateDirectory(file.Directory!.FullName);
        await File.WriteAllTextAsync(file.FullName, report, CancellationToken.None);
        Console.WriteLine($"results written to {file.FullName}");
    }

    var failed = outcome.Where(s => s.Error is not null).ToList();
    foreach (var suite in failed) Console.Error.WriteLine($"error: {suite.Name}: {suite.Error}");
    return failed.Count == 0 ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
