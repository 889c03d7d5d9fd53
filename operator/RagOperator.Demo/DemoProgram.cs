using System.CommandLine;
using RagOperator.Demo.Output;
using Spectre.Console;

namespace RagOperator.Demo;

/// <summary>
/// <c>rag-demo</c>: the whole product on loopback in one command (<c>make demo</c>). The entry point is callable from
/// tests with an output writer, which selects the plain log view.
/// </summary>
public static class DemoProgram
{
    /// <param name="output">Where to write; null writes to the console (live progress bars on a terminal).</param>
    public static Task<int> RunAsync(string[] args, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        var points = new Option<int>("--points") { Description = "Points written through the routers before scaling.", DefaultValueFactory = _ => 50_000 };
        var dimension = new Option<int?>("--dimension") { Description = "Vector dimension (default: the sample's, 384)." };
        var fromShards = new Option<int?>("--from-shards") { Description = "Shards to start with (default: the sample's, 2)." };
        var toShards = new Option<int>("--to-shards") { Description = "Shards to scale to.", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Seed of the workload (vectors, ids, operation mix).", DefaultValueFactory = _ => 42 };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers.", DefaultValueFactory = _ => 4 };
        var searchers = new Option<int>("--searchers") { Description = "Concurrent searchers.", DefaultValueFactory = _ => 2 };
        var routers = new Option<int?>("--routers") { Description = "Router replicas (default: the sample's, 2)." };
        var noProgress = new Option<bool>("--no-progress") { Description = "Plain log lines instead of progress bars (automatic when output is not a terminal)." };
        var sample = new Option<string?>("--sample") { Description = $"The VectorCollection manifest to apply (default: {DemoOptions.DefaultSample})." };
        var stepTimeout = new Option<int>("--step-timeout-seconds") { Description = "Upper bound on each wait (Ready, loading, migration).", DefaultValueFactory = _ => 300 };
        var root = new RootCommand("The whole RagOperator product on loopback: API server, operator, Qdrant shards and routers; a live 2→4 shard migration under load, checked against an oracle.")
        {
            points, dimension, fromShards, toShards, seed, writers, searchers, routers, noProgress, sample, stepTimeout,
        };
        root.SetAction(async (parse, token) =>
        {
            var options = new DemoOptions
            {
                Points = parse.GetValue(points),
                Dimension = parse.GetValue(dimension),
                FromShards = parse.GetValue(fromShards),
                ToShards = parse.GetValue(toShards),
                Seed = parse.GetValue(seed),
                Writers = parse.GetValue(writers),
                Searchers = parse.GetValue(searchers),
                Routers = parse.GetValue(routers),
                NoProgress = parse.GetValue(noProgress),
                SamplePath = parse.GetValue(sample),
                StepTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(stepTimeout))),
            };
            var error = output ?? Console.Error;
            if (options.Problem() is { } problem)
            {
                await error.WriteLineAsync($"error: {problem}");
                return 2;
            }

            var view = ChooseView(options, output);
            return await new DemoRunner(options, view).RunAsync(token);
        });

        var configuration = new InvocationConfiguration();
        if (output is not null)
        {
            configuration.Output = output;
            configuration.Error = output;
        }

        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    private static IDemoView ChooseView(DemoOptions options, TextWriter? output)
    {
        if (output is not null) return new PlainView(output);
        var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return options.NoProgress || !interactive ? new PlainView(Console.Out) : new LiveView(AnsiConsole.Console);
    }
}
