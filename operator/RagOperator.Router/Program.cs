using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Observability.Logging;
using RagOperator.Observability.Metrics;
using RagOperator.Router;
using RagOperator.Router.RoutingSource;

// The router container: one collection, its routing table watched from the ConfigMap, HTTP on PORT (8080) and
// Qdrant's gRPC API on GRPC_PORT (6334).
RouterOptions options;
RouterProcessSettings process;
try
{
    (options, process) = RouterOptionsLoader.Load(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException error)
{
    await Console.Error.WriteLineAsync($"rag-router: {error.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.AddRagLogging(process.LogFormat);

// In a pod: the service account (it may only read this collection's routing ConfigMap); elsewhere a kubeconfig.
KubernetesClientConfiguration kubeConfiguration;
try
{
    kubeConfiguration = process.Kubeconfig is null && process.KubeContext is null
        ? KubernetesClientConfiguration.Default()
        : KubernetesClientConfiguration.FromKubeconfig(process.Kubeconfig, process.KubeContext);
}
catch (Exception error) when (error is KubernetesConfigurationException or IOException)
{
    await Console.Error.WriteLineAsync($"rag-router: cannot reach the Kubernetes API: {error.Message}");
    return 2;
}
builder.Services.AddRagMetrics();
builder.Services.AddSingleton<IKubernetesClient>(provider => new KubernetesClient(
    kubeConfiguration,
    new KubernetesClientOptions
    {
        UserAgent = "rag-router",
        FieldManager = "rag-router",
        Metrics = new KubernetesClientMetrics(provider.GetRequiredService<Prometheus.IMetricFactory>()),
    },
    provider.GetRequiredService<ILogger<KubernetesClient>>()));

WebApplication app;
try
{
    app = RouterApplication.Build(
        builder,
        options,
        new RouterListen(System.Net.IPAddress.Any, process.Port, process.GrpcPort),
        provider => new ConfigMapRoutingSource(
            provider.GetRequiredService<IKubernetesClient>(),
            options.Namespace,
            options.ConfigMapName,
            options.RoutingConfigMapKey,
            logger: provider.GetRequiredService<ILoggerFactory>().CreateLogger("RagOperator.Router.ConfigMapRoutingSource")));
}
catch (ArgumentException error)
{
    // Unreadable TLS files: the kubelet restarts the container, and the message says which file.
    await Console.Error.WriteLineAsync($"rag-router: {error.Message}");
    return 2;
}
app.Logger.LogInformation("Starting {Options}", options);
await app.RunAsync();
return 0;
