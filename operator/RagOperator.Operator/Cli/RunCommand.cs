using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Observability.Logging;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Hosting;

namespace RagOperator.Operator.Cli;

/// <summary><c>rag-operator run</c>: the operator process against a cluster (in-cluster config or a kubeconfig).</summary>
internal static class RunCommand
{
    /// <summary>
    /// How long a stop may take before the process exits anyway: room for the reconcile grace and a lease release
    /// bounded by the renew deadline (10 s), and under the pod's default 30 s termination grace period.
    /// </summary>
    public static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(20);

    /// <summary>The controllers' grace for in-flight reconciles on stop (<see cref="Kubernetes.Runtime.ControllerOptions.ShutdownGracePeriod"/>).</summary>
    private static readonly TimeSpan ControllerGrace = new Kubernetes.Runtime.ControllerOptions().ShutdownGracePeriod;

    private static Option<int> Seconds(string name, string description, int defaultSeconds)
    {
        var option = new Option<int>(name) { Description = $"{description} In seconds (default {defaultSeconds}).", DefaultValueFactory = _ => defaultSeconds };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0) result.AddError($"{name} must be a positive number of seconds, for example {defaultSeconds}");
        });
        return option;
    }

    public static Command Create()
    {
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Run controllers only while holding the leader Lease (for more than one replica)." };
        var leaseDuration = Seconds("--leader-elect-lease-duration", "How long standbys wait after the leader's last renewal before taking the Lease.", 15);
        var renewDeadline = Seconds("--leader-elect-renew-deadline", "How long the leader keeps trying to renew before it steps down and exits; shorter than the lease duration.", 10);
        var retryPeriod = Seconds("--leader-elect-retry-period", "How often the leader renews and standbys try to acquire; shorter than the renew deadline.", 2);
        var metricsPort = new Option<int>("--metrics-port") { Description = "Port of /metrics.", DefaultValueFactory = _ => 8080 };
        var healthPort = new Option<int>("--health-port") { Description = "Port of /healthz and /readyz.", DefaultValueFactory = _ => 8081 };
        var routerImage = new Option<string>("--router-image") { Description = "Router image for collections that name none.", DefaultValueFactory = _ => OperatorSettings.DefaultRouterImage };
        var logFormat = new Option<string>("--log-format") { Description = "json or text.", DefaultValueFactory = _ => "json" };
        logFormat.AcceptOnlyFromAmong([.. RagLoggingExtensions.Formats]);
        var watchNamespaces = new Option<string?>("--watch-namespaces") { Description = "Comma-separated namespaces to watch; all namespaces when empty." };
        var otlpEndpoint = new Option<Uri?>("--otlp-endpoint") { Description = "OTLP (gRPC) collector for traces, for example http://otel-collector:4317." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Path to a kubeconfig; in-cluster config or $KUBECONFIG when unset." };
        var context = new Option<string?>("--context") { Description = "kubeconfig context to use." };
        var rolloutPodTimeout = new Option<int>("--rollout-pod-timeout-seconds")
        {
            Description = "How long a pod replaced by a rolling upgrade may take to become Ready before the rollout halts.",
            DefaultValueFactory = _ => (int)Upgrades.RolloutPlanner.DefaultPodReadyTimeout.TotalSeconds,
        };
        rolloutPodTimeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0) result.AddError("--rollout-pod-timeout-seconds must be a positive number of seconds, for example 600");
        });
        var command = new Command("run", $"""
            Run the operator. SIGTERM or SIGINT stops it: in-flight reconciles get {ControllerGrace.TotalSeconds:0} s to finish, then
            the leader lease is released.
            Exit codes: {ExitCodes.Stopped} stopped by SIGTERM/SIGINT; {ExitCodes.Failed} bad flags, kubeconfig or startup failure;
            {ExitCodes.LeadershipLost} leadership lost (restart as a standby); 143/130 SIGTERM/SIGINT but stopping took longer than {StopBudget.TotalSeconds:0} s.
            """)
        {
            leaderElect, leaseDuration, renewDeadline, retryPeriod, metricsPort, healthPort, routerImage, logFormat, watchNamespaces, otlpEndpoint, kubeconfig, context, rolloutPodTimeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(builder => builder.AddRagLogging(parse.GetValue(logFormat)!).SetMinimumLevel(LogLevel.Information));
            var logger = loggerFactory.CreateLogger("RagOperator");
            KubernetesClientConfiguration configuration;
            try
            {
                var path = parse.GetValue(kubeconfig);
                configuration = path is null
                    ? KubernetesClientConfiguration.Default(parse.GetValue(context))
                    : KubernetesClientConfiguration.FromKubeconfig(path, parse.GetValue(context));
            }
            catch (Exception e) when (e is KubernetesConfigurationException or IOException or InvalidOperationException)
            {
                logger.LogCritical("Cannot configure the Kubernetes client: {Error}", e.Message);
                return ExitCodes.Failed;
            }

            var timing = new LeaseTiming
            {
                LeaseDuration = TimeSpan.FromSeconds(parse.GetValue(leaseDuration)),
                RenewDeadline = TimeSpan.FromSeconds(parse.GetValue(renewDeadline)),
                RetryPeriod = TimeSpan.FromSeconds(parse.GetValue(retryPeriod)),
            };
            if (timing.Problem() is { } problem)
            {
                logger.LogCritical("Bad leader election flags: {Problem}; fix --leader-elect-lease-duration, --leader-elect-renew-deadline or --leader-elect-retry-period", problem);
                return ExitCodes.Failed;
            }

            // One registry for the process: the client counts its API calls where the host's /metrics reads.
            var metrics = Prometheus.Metrics.NewCustomRegistry();
            using var client = new KubernetesClient(
                configuration,
                new KubernetesClientOptions { Metrics = new KubernetesClientMetrics(Prometheus.Metrics.WithCustomRegistry(metrics)) },
                loggerFactory.CreateLogger<KubernetesClient>());
            var options = new OperatorHostOptions
            {
                MetricsRegistry = metrics,
                LeaderElect = parse.GetValue(leaderElect),
                LeaseTiming = timing,
                MetricsPort = parse.GetValue(metricsPort),
                HealthPort = parse.GetValue(healthPort),
                RouterImage = parse.GetValue(routerImage)!,
                WatchNamespaces = (parse.GetValue(watchNamespaces) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                OtlpEndpoint = parse.GetValue(otlpEndpoint),
                RolloutPodTimeout = TimeSpan.FromSeconds(parse.GetValue(rolloutPodTimeout)),
                PodName = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName,
                PodNamespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? configuration.Namespace,
            };
            OperatorHost host;
            try
            {
                host = await OperatorHost.StartAsync(options, client, loggerFactory: loggerFactory, cancellationToken: cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                logger.LogInformation("Shutting down before the operator started");
                return ExitCodes.Stopped;
            }

            await using (host)
            {
                logger.LogInformation("rag-operator {Identity} started: watching {Namespaces}, metrics {Metrics}, health {Health}",
                    options.PodName, options.WatchNamespaces.Count == 0 ? "all namespaces" : string.Join(",", options.WatchNamespaces), host.MetricsUri, host.HealthUri);
                try
                {
                    await host.Completion.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // SIGTERM or SIGINT.
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    logger.LogInformation("Shutting down: draining controllers{Release}", options.LeaderElect ? " and releasing the leader lease" : "");
                    var draining = Stopwatch.StartNew();
                    await host.DisposeAsync();
                    logger.LogInformation("Stopped after {Milliseconds} ms", draining.ElapsedMilliseconds);
                    return ExitCodes.Stopped;
                }

                // The manager ends on its own only when leadership is lost: exit so the pod restarts as a standby.
                logger.LogWarning("Leadership lost; exiting");
                return ExitCodes.LeadershipLost;
            }
        });
        return command;
    }
}

/// <summary>What the process's exit code means (also in <c>rag-operator run --help</c>).</summary>
internal static class ExitCodes
{
    public const int Stopped = 0;

    /// <summary>Bad flags, an unusable kubeconfig, or a failure while starting; System.CommandLine uses 1 for the first and for unhandled exceptions.</summary>
    public const int Failed = 1;

    /// <summary>The leader lease could not be renewed in time; another replica may lead now.</summary>
    public const int LeadershipLost = 2;
}
