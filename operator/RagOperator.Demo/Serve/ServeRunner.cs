using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Demo.Measurement;
using RagOperator.Demo.Output;
using RagOperator.Kubernetes.Client;
using RagOperator.Operator.Naming;
using RagOperator.Qdrant.Tls;
using RagOperator.Sandbox;
using RagOperator.Workload;

namespace RagOperator.Demo.Serve;

/// <summary>
/// <c>rag-demo serve</c>: the whole product on loopback with the sample collection, kept running for clients of one's
/// own (any Qdrant client, over gRPC or REST). It starts the sandbox as the demo does, waits until the collection is
/// Ready and its routers serve it, writes the endpoints of one router (<see cref="ServeEndpoints"/>, through
/// <see cref="ServedFiles"/>), and serves until the token is cancelled (SIGINT or SIGTERM), then stops everything and
/// removes its files. With <see cref="ServeOptions.ShardsTo"/> it then changes spec.shards, so a live migration runs
/// under the clients, and reports its progress. Exit codes: <see cref="Stopped"/>, <see cref="Failed"/>,
/// <see cref="BadArguments"/>; the reason for 1 or 2 goes to <paramref name="error"/> (standard error).
/// </summary>
public sealed class ServeRunner(ServeOptions options, IDemoView view, TextWriter error)
{
    /// <summary>Stopped by SIGINT or SIGTERM (also before the collection was served).</summary>
    public const int Stopped = 0;

    /// <summary>The product did not come up: a timeout, a failed step, files that cannot be written.</summary>
    public const int Failed = 1;

    /// <summary>Bad flags or a sample that cannot be used; nothing was started.</summary>
    public const int BadArguments = 2;

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(CancellationToken stop)
    {
        if (options.Problem() is { } problem) return Refuse(problem);
        var samplePath = options.SamplePath ?? Path.Combine(AppContext.BaseDirectory, DemoOptions.DefaultSample);
        SampleManifest sample;
        try
        {
            sample = SampleManifest.Load(samplePath, shards: null, dimension: null, routers: null, hashOnly: false, disableTls: options.NoTls);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Refuse($"--sample {samplePath}: {e.Message}");
        }

        if (options.ShardsTo == sample.Shards)
        {
            return Refuse($"--shards-to {sample.Shards}: collection {sample.Name} already has {sample.Shards} shards, so nothing would migrate");
        }

        try
        {
            using var files = new ServedFiles(options.EndpointsFile);
            return await ServeAsync(sample, samplePath, files, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            view.Lines(["stopped before the collection was served"]);
            return Stopped;
        }
        catch (Exception e) when (e is DemoFailedException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            Fail($"serve failed: {e.Message}");
            return Failed;
        }
    }

    private int Refuse(string problem)
    {
        Fail($"error: {problem}{Environment.NewLine}usage: {DemoProgram.ServeUsage}");
        return BadArguments;
    }

    private void Fail(string message)
    {
        error.WriteLine(message);
        error.Flush();
    }

    private async Task<int> ServeAsync(SampleManifest sample, string samplePath, ServedFiles files, CancellationToken stop)
    {
        view.Step("Starting the sandbox: in-process Kubernetes API server, workload simulator, operator, Qdrant shards and routers");
        var sandbox = await Sandbox.Sandbox.StartAsync(new SandboxOptions(), stop);
        try
        {
            await ServeWithAsync(sandbox, sample, samplePath, files, stop);
        }
        finally
        {
            // Files first (clients stop being pointed here), then the product; both also on a failure or an early stop.
            files.Dispose();
            var stopping = Stopwatch.GetTimestamp();
            await sandbox.DisposeAsync();
            view.Info(string.Create(CultureInfo.InvariantCulture, $"stopped the sandbox in {Stopwatch.GetElapsedTime(stopping).TotalMilliseconds:0} ms"));
        }

        view.Lines(["stopped"]);
        return Stopped;
    }

    private async Task ServeWithAsync(Sandbox.Sandbox sandbox, SampleManifest sample, string samplePath, ServedFiles files, CancellationToken stop)
    {
        view.Info($"API server at {sandbox.ApiServer.BaseUri}, namespace {sandbox.Namespace}");
        var (qdrantKey, routerKey) = await sample.CreateSecretsAsync(
            sandbox, (name, key) => view.Info($"created Secret {name} (key {key}: a random 256-bit API key)"), stop);
        view.Step($"Applying {Path.GetFileName(samplePath)}: VectorCollection {sample.Name}, {sample.Shards} shards, dimension {sample.Dimension}, {sample.Routers} routers");
        var watch = Stopwatch.GetTimestamp();
        await sandbox.ApplyYamlAsync(sample.ToYaml(), stop);
        var ready = await sandbox.WaitForConditionAsync(sample.Name, "Ready", timeout: options.StepTimeout, cancellationToken: stop);
        var trust = await sandbox.TrustAsync(sample.Name, cancellationToken: stop);
        var cluster = new DemoCluster(sandbox, sample.Name, qdrantKey, trust);
        var routers = await cluster.WaitForRoutersAsync(sample.Routers, ready.Status?.Routing?.ActiveVersion ?? 1, options.StepTimeout, stop);
        view.Info(string.Create(CultureInfo.InvariantCulture,
            $"Ready after {Stopwatch.GetElapsedTime(watch).TotalSeconds:0.0} s: phase {ready.Status?.Phase}, routing v{ready.Status?.Routing?.ActiveVersion}, {routers.Count} routers serving"));
        view.Info(await cluster.DescribeTlsAsync(ready, routers, stop));

        var caFile = trust is null ? null : files.WriteCa(sample.Name, trust.Pem);
        var served = Publish(sandbox, sample, routerKey, trust, caFile, files, previous: null)
            ?? throw new DemoFailedException($"no router of {sample.Name} runs although {routers.Count} served a moment ago");
        var migration = options.ShardsTo is { } shardsTo
            ? Task.Run(() => MigrateAsync(sandbox, cluster, sample, shardsTo, stop), CancellationToken.None)
            : Task.CompletedTask;
        try
        {
            while (true)
            {
                await Task.Delay(options.RouterCheckInterval, stop);
                // A router pod can be replaced (a rollout, a deleted pod); its successor listens elsewhere on loopback.
                if (!sandbox.RouterEndpointsOf(sample.Name).Contains(served))
                {
                    served = Publish(sandbox, sample, routerKey, trust, caFile, files, served) ?? served;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            view.Step("Stopping (SIGINT or SIGTERM): removing the endpoints file, then the routers, operator, shards and API server");
        }

        await migration;
    }

    /// <summary>Writes and prints the endpoints of the collection's first router; null when none runs.</summary>
    private SandboxRouterEndpoint? Publish(
        Sandbox.Sandbox sandbox, SampleManifest sample, string? routerKey, TrustBundle? trust, string? caFile, ServedFiles files, SandboxRouterEndpoint? previous)
    {
        var running = sandbox.RouterEndpointsOf(sample.Name);
        if (running.Count == 0) return null;
        var router = running[0];
        var tls = trust is not null && router.Rest.Scheme == Uri.UriSchemeHttps;
        var endpoints = new ServeEndpoints
        {
            Collection = sample.Name,
            Rest = ServeEndpoints.Origin(router.Rest),
            Grpc = ServeEndpoints.Origin(router.Grpc),
            ApiKey = routerKey,
            CaFile = tls ? caFile : null,
            TlsServerName = tls ? $"{ChildNames.Router(sample.Name)}.{sandbox.Namespace}.svc" : null,
            Dimension = sample.Dimension,
            Distance = sample.Distance,
        };
        files.WriteEndpoints(endpoints);
        view.Step(previous is null
            ? $"Serving collection {sample.Name} ({sample.Dimension}-dimensional {sample.Distance} vectors) through router pod {router.Pod}"
            : $"Router pod {previous.Pod} is gone; serving through router pod {router.Pod} now");
        view.Info($"rest:    {endpoints.Rest}  (the router's /v1 API and Qdrant's REST API)");
        view.Info($"grpc:    {endpoints.Grpc}  (Qdrant's gRPC API)");
        view.Info(routerKey is null ? "apiKey:  none (the sample's router requires no key)" : $"apiKey:  {routerKey}  (send as header or gRPC metadata api-key)");
        if (tls)
        {
            view.Info($"caFile:  {caFile}  (the collection's CA; the router's certificate names {endpoints.TlsServerName}, not 127.0.0.1)");
        }

        view.Info(files.EndpointsPath is { } path ? $"endpoints written to {path}" : "no --endpoints-file given: the endpoints are printed only");
        view.Info("Ctrl-C (SIGINT) or SIGTERM stops everything");
        return router;
    }

    /// <summary>Changes spec.shards as a user would and reports the migration until Done; a failure is reported, not fatal.</summary>
    private async Task MigrateAsync(Sandbox.Sandbox sandbox, DemoCluster cluster, SampleManifest sample, int shardsTo, CancellationToken stop)
    {
        try
        {
            view.Step($"Scaling {sample.Name} from {sample.Shards} to {shardsTo} shards (merge patch of spec.shards) while clients stay connected");
            await sandbox.Client.PatchAsync<VectorCollection>(sample.Name, sandbox.Namespace,
                KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["shards"] = shardsTo } }), stop);
            MigrationSnapshot? shown = null;
            var last = Stopwatch.GetTimestamp();
            var finished = await cluster.FollowMigrationAsync(shardsTo, new WorkloadStats(), new PhaseTimeline(), snapshot =>
            {
                var changed = shown is null || shown.Phase != snapshot.Phase || shown.PublishedVersion != snapshot.PublishedVersion
                    || shown.RoutersAcknowledged != snapshot.RoutersAcknowledged;
                if (!changed && Stopwatch.GetElapsedTime(last) < ProgressInterval) return;
                shown = snapshot;
                last = Stopwatch.GetTimestamp();
                view.Info($"migration [{snapshot.Phase}] {snapshot.CopyText}; {snapshot.RoutingText}");
            }, options.StepTimeout, stop);
            view.Info(string.Create(CultureInfo.InvariantCulture,
                $"migration {finished.Id} Done: {finished.Progress?.PointsCopied ?? 0:N0} points copied, {finished.VerifyPasses} verify passes; {shardsTo} shards serve {sample.Name}"));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: the migration ends with the sandbox.
        }
        catch (Exception e)
        {
            view.Info($"the migration to {shardsTo} shards did not complete: {e.Message}; the routers keep serving");
        }
    }
}
