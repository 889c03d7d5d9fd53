using System.CommandLine;
using System.Diagnostics;
using RagOperator.Soak;

var runs = new Option<int>("--runs") { Description = "How many randomized runs.", DefaultValueFactory = _ => 20 };
var seed = new Option<int>("--seed") { Description = "Seed of the first run; run i uses seed + i.", DefaultValueFactory = _ => 1 };
var parallel = new Option<int>("--parallel") { Description = "Runs at the same time (each has its own sandbox).", DefaultValueFactory = _ => 1 };
var results = new Option<FileInfo?>("--results") { Description = "Also write the summary as Markdown to this file." };
var verbose = new Option<bool>("--verbose") { Description = "Print each run's notes as they happen." };
var root = new RootCommand(
    "Randomized stream migrations under load: shard changes 1..8 -> 1..8, operator kills at every phase (and while a restart resumes), " +
    "shard faults, inserts, updates and deletes of hot ids. Every failing run prints the command that replays it.")
{
    runs, seed, parallel, results, verbose,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var count = Math.Max(1, parse.GetValue(runs));
    var first = parse.GetValue(seed);
    var loud = parse.GetValue(verbose);
    var summary = new SoakSummary(first, count, MachineLoad());
    using var gate = new SemaphoreSlim(Math.Max(1, parse.GetValue(parallel)));
    var started = Stopwatch.StartNew();
    var done = 0;
    var tasks = Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var plan = SoakPlan.ForSeed(first + i);
            var result = await SoakRun.RunAsync(plan, line =>
            {
                if (loud) Console.WriteLine(line);
            });
            lock (summary)
            {
                summary.Add(result);
                done++;
                Console.WriteLine(SoakSummary.Line(result, done, count));
                if (!result.Passed)
                {
                    Console.WriteLine($"  plan: {plan}");
                    Console.WriteLine($"  failure: {result.Failure}");
                    foreach (var note in result.Notes) Console.WriteLine($"  note: {note}");
                    Console.WriteLine($"  replay: {SoakSummary.ReplayCommand(plan.Seed)}");
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }).ToList();
    await Task.WhenAll(tasks);

    var markdown = summary.Render(started.Elapsed, MachineLoad(), $"make soak SOAK_SEED={first} SOAK_RUNS={count}");
    Console.WriteLine();
    Console.WriteLine(markdown);
    if (parse.GetValue(results) is { } file)
    {
        await File.WriteAllTextAsync(file.FullName, markdown, CancellationToken.None);
        Console.WriteLine($"summary written to {file.FullName}");
    }

    return summary.Failed == 0 ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();

static string? MachineLoad() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
