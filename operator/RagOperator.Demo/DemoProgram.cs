using System.CommandLine;
using RagOperator.Demo.Output;
using RagOperator.Workload;
using Spectre.Console;

namespace RagOperator.Demo;

/// <summary>
/// <c>rag-demo</c>: the whole product on loopback in one command (<c>make demo</c>), and <c>rag-demo serve</c>, which
/// keeps it running for clients of one's own (<c>make serve</c>). The entry point is callable from tests with an output
/// writer, which selects the plain log view. Bad flags exit with 2 and a usage line.
/// </summary>
public static class DemoProgram
{
    /// <summary>
    /// How long a stop by SIGINT or SIGTERM may take before the process exits anyway (130/143): the sandbox stops its
    /// routers, operator, shards and API server in a few seconds.
    /// </summary>
    public static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(20);

    public const string ServeUsage = "rag-demo serve [--endpoints-file PATH] [--shards-to N] [--sample PATH] [--no-tls] [--step-timeout-seconds S]";

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
        var api = new Option<RouterApi>("--api")
        {
            Description = "The routers' API the workload speaks: QdrantGrpc (the official Qdrant client) or V1Json (the router's own JSON API).",
            DefaultValueFactory = _ => RouterApi.QdrantGrpc,
        };
        var noProgress = new Option<bool>("--no-progress") { Description = "Plain log lines instead of progress bars (automatic when output is not a terminal)." };
        var sample = new Option<string?>("--sample") { Description = $"The VectorCollection manifest to apply (default: {DemoOptions.DefaultSample})." };
        var stepTimeout = new Option<int>("--step-timeout-seconds") { Description = "Upper bound on each wait (Ready, loading, migration).", DefaultValueFactory = _ => 300 };
        var root = new RootCommand("The whole RagOperator product on loopback: API server, operator, Qdrant shards and routers; a live 2→4 shard migration under load, checked against an oracle.")
        {
            points, dimension, fromShards, toShards, seed, writers, searchers, routers, api, noProgress, sample, stepTimeout, ServeCommand(output),
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
                Api = parse.GetValue(api),
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

        // A process stops on SIGINT/SIGTERM through the action's token; a caller that passes a writer (a test) stops it
        // through its own token, and the test host's signals stay its own.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = output is null ? StopBudget : null };
        if (output is not null)
        {
            configuration.Output = output;
            configuration.Error = output;
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine answers a parse error with 1, which here means a failed run; bad flags are 2.
            var error = output ?? Console.Error;
            foreach (var problem in parsed.Errors) error.WriteLine($"error: {problem.Message}");
            error.WriteLine(parsed.CommandResult.Command.Name == "serve"
                ? $"usage: {ServeUsage}"
                : "usage: rag-demo [options] | rag-demo serve [options]; see rag-demo --help");
            return Task.FromResult(2);
        }

        return parsed.InvokeAsync(configuration, cancellationToken);
    }

    private static Command ServeCommand(TextWriter? output)
    {
        var endpointsFile = new Option<string?>("--endpoints-file")
        {
            Description = "Write the endpoints JSON here (collection, rest, grpc, apiKey, caFile with TLS) once a router serves the collection; removed on stop.",
            HelpName = "PATH",
        };
        var shardsTo = new Option<int?>("--shards-to")
        {
            Description = "After Ready, change spec.shards to N, so a live migration runs while clients are connected.",
            HelpName = "N",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var count)) return count;
                result.AddError($"--shards-to '{text}' is not a whole number of shards, for example --shards-to 4");
                return null;
            },
        };
        var sample = new Option<string?>("--sample") { Description = $"The VectorCollection manifest to apply (default: {DemoOptions.DefaultSample}).", HelpName = "PATH" };
        var noTls = new Option<bool>("--no-tls") { Description = "Apply the sample with spec.tls.mode Disabled: the router serves clear text." };
        var stepTimeout = new Option<int>("--step-timeout-seconds") { Description = "Upper bound on each wait (Ready, routers, migration).", DefaultValueFactory = _ => 300, HelpName = "S" };
        var command = new Command("serve", $"""
            Start the whole product on loopback with the sample collection and keep it running for Qdrant clients (gRPC and REST)
            until SIGINT or SIGTERM. Exit codes: {Serve.ServeRunner.Stopped} stopped; {Serve.ServeRunner.Failed} startup failure; {Serve.ServeRunner.BadArguments} bad arguments.
            """)
        {
            endpointsFile, shardsTo, sample, noTls, stepTimeout,
        };
        command.SetAction((parse, token) => new Serve.ServeRunner(new Serve.ServeOptions
        {
            EndpointsFile = parse.GetValue(endpointsFile),
            ShardsTo = parse.GetValue(shardsTo),
            SamplePath = parse.GetValue(sample),
            NoTls = parse.GetValue(noTls),
            StepTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(stepTimeout))),
        }, new PlainView(output ?? Console.Out), output ?? Console.Error).RunAsync(token));
        return command;
    }

    private static IDemoView ChooseView(DemoOptions options, TextWriter? output)
    {
        if (output is not null) return new PlainView(output);
        var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return options.NoProgress || !interactive ? new PlainView(Console.Out) : new LiveView(AnsiConsole.Console);
    }
}
