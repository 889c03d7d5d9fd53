using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagOperator.Router.RoutingSource;
using RagOperator.Qdrant;
using RagOperator.Routing;

namespace RagOperator.Router;

/// <summary>
/// Runs a router inside the current process on 127.0.0.1 and an ephemeral port, so tests, the sandbox and the
/// demo can start several routers side by side. The router is the same application the container runs.
/// </summary>
public static class RouterHost
{
    /// <param name="clients">Makes the shard clients (e.g. to observe or fault them); by default real <see cref="QdrantClient"/>s.</param>
    /// <param name="logging">Configures logging; by default warnings and errors go to the console.</param>
    public static async Task<RouterHandle> StartAsync(
        RouterOptions options, IRoutingSource source, IQdrantClientFactory? clients = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(RouterHost).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        }
        else
        {
            logging(builder.Logging);
        }

        var app = RouterApplication.Build(builder, options, new RouterListen(IPAddress.Loopback, 0, 0), _ => source, clients);
        await app.StartAsync(cancellationToken);
        // Bound in the order they were listened on: the REST port first, then the gRPC one.
        var addresses = app.Urls.Select(address => new Uri(address.EndsWith('/') ? address : address + "/")).ToList();
        return new RouterHandle(app, addresses[0], addresses[1]);
    }
}

/// <summary>A running in-process router: its address and its routing state; dispose it to stop it.</summary>
public sealed class RouterHandle : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly RouterRuntime runtime;

    internal RouterHandle(WebApplication app, Uri baseUri, Uri grpcUri)
    {
        this.app = app;
        BaseUri = baseUri;
        GrpcUri = grpcUri;
        runtime = app.Services.GetRequiredService<RouterRuntime>();
    }

    /// <summary>The router's base URI, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The router's gRPC endpoint (Qdrant's gRPC API), e.g. <c>http://127.0.0.1:41235/</c>.</summary>
    public Uri GrpcUri { get; }

    public RouterOptions Options => runtime.Options;

    /// <summary>The table being served, or null before the first one.</summary>
    public RoutingTable? CurrentTable => runtime.Holder.Current;

    /// <summary>The version <c>GET /v1/routing</c> reports as served (see <see cref="RequestGate"/>).</summary>
    public long ServedVersion => runtime.Requests.ServedVersion;

    /// <summary>The last refused table or source problem.</summary>
    public RoutingProblem? LastRoutingProblem => runtime.Feed.LastProblem;

    /// <summary>Waits until the router serves <paramref name="version"/> or newer; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitForVersionAsync(long version, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (runtime.Holder.Version < version)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"router {BaseUri} still serves routing v{runtime.Holder.Version} after {timeout.TotalSeconds:0.#} s, expected v{version}" +
                    (LastRoutingProblem is { } problem ? $" (last problem: {problem.Reason})" : ""));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default) => await app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
