using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.LeaderElection;

namespace RagOperator.Kubernetes.Runtime;

/// <summary>Liveness and readiness as reported on /healthz and /readyz.</summary>
public interface IHealthReporter
{
    HealthStatus Liveness();
    HealthStatus Readiness();
}

public sealed record HealthStatus(bool Healthy, IReadOnlyList<string> Problems)
{
    public static HealthStatus Ok { get; } = new(true, []);
}

/// <summary>
/// Runs informers and controllers together. Informers run on every replica, so a standby has warm caches; with
/// leader election, controllers run only while this replica leads, and <see cref="RunAsync"/> returns when
/// leadership is lost (the host should then exit and restart, as client-go operators do).
/// <para>
/// Readiness rule: ready once every informer has synced, whether or not this replica leads. Making only the
/// leader ready would leave a standby permanently unready and stall rolling updates. Liveness fails when an
/// informer loop or a controller has crashed.
/// </para>
/// </summary>
public sealed class ControllerManager(ILoggerFactory? loggerFactory = null, LeaderElector? elector = null) : IHealthReporter
{
    private readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ControllerManager>();
    private readonly List<IInformer> informers = [];
    private readonly List<IController> controllers = [];
    private readonly List<string> failures = [];
    private readonly Lock gate = new();
    private bool running;

    public LeaderElector? Elector => elector;

    /// <summary>True after <see cref="RunAsync"/> returned because leadership was lost rather than because it was cancelled.</summary>
    public bool LostLeadership { get; private set; }

    public void AddInformer(IInformer informer)
    {
        lock (gate)
        {
            if (!informers.Contains(informer)) informers.Add(informer);
        }
    }

    /// <summary>Adds the controller and the informers it depends on.</summary>
    public void AddController(IController controller)
    {
        lock (gate) controllers.Add(controller);
        foreach (var informer in controller.Informers) AddInformer(informer);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        List<IInformer> informerList;
        List<IController> controllerList;
        lock (gate)
        {
            if (running) throw new InvalidOperationException("the manager is already running");
            running = true;
            informerList = [.. informers];
            controllerList = [.. controllers];
        }
        using var stopInformers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var informerTasks = informerList.Select(i => Guard($"informer {i.Name}", i.RunAsync(stopInformers.Token))).ToList();
        try
        {
            if (elector is null)
            {
                await RunControllersAsync(controllerList, cancellationToken);
            }
            else
            {
                await elector.RunAsync(token => RunControllersAsync(controllerList, token), cancellationToken: cancellationToken);
                LostLeadership = !cancellationToken.IsCancellationRequested;
            }
        }
        finally
        {
            await stopInformers.CancelAsync();
            await Task.WhenAll(informerTasks);
        }
    }

    public HealthStatus Liveness()
    {
        lock (gate) return failures.Count == 0 ? HealthStatus.Ok : new HealthStatus(false, [.. failures]);
    }

    public HealthStatus Readiness()
    {
        lock (gate)
        {
            var problems = new List<string>(failures);
            if (!running) problems.Add("manager not started");
            problems.AddRange(informers.Where(i => !i.HasSynced).Select(i => $"informer {i.Name} not synced"));
            return problems.Count == 0 ? HealthStatus.Ok : new HealthStatus(false, problems);
        }
    }

    /// <summary>Runs the controllers until cancelled; informers keep running even with no controller (or a crashed one).</summary>
    private async Task RunControllersAsync(List<IController> list, CancellationToken cancellationToken)
    {
        await Task.WhenAll(list.Select(c => Guard($"controller {c.Name}", c.RunAsync(cancellationToken))));
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping (or leadership ended).
        }
    }

    private async Task Guard(string what, Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "{What} crashed", what);
            lock (gate) failures.Add($"{what} crashed: {e.Message}");
        }
    }
}
