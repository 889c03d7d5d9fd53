using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using RagOperator.Kubernetes.LeaderElection;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Tests.Support;

namespace RagOperator.Kubernetes.Tests.Runtime;

public sealed class ControllerManagerTests : IAsyncLifetime
{
    private readonly TestCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();
    public Task DisposeAsync() => cluster.DisposeAsync();

    private static async Task<WebApplication> HealthHost(IHealthReporter reporter)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.MapKubernetesHealth(reporter);
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Readyz_turns_ready_once_the_informers_have_synced_and_healthz_stays_ok()
    {
        var manager = new ControllerManager();
        var informer = new Informer<ConfigMap>(cluster.NewClient(), new InformerOptions { Namespace = "rag" });
        manager.AddInformer(informer);
        await using var app = await HealthHost(manager);
        var http = app.GetTestClient();

        var before = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        before.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await before.Content.ReadAsStringAsync()).Should().Contain("manager not started").And.Contain("informer ConfigMap not synced");
        (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);

        using var stop = new CancellationTokenSource();
        var run = manager.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        var after = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        after.StatusCode.Should().Be(HttpStatusCode.OK);
        (await after.Content.ReadAsStringAsync()).Should().Be("ok\n");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task With_leader_election_only_the_leader_reconciles_and_a_standby_is_still_ready()
    {
        var reconciledBy = new System.Collections.Concurrent.ConcurrentBag<string>();
        (ControllerManager Manager, LeaderElector Elector) Replica(string identity)
        {
            var client = cluster.NewClient();
            var elector = new LeaderElector(client, new LeaderElectionOptions
            {
                LeaseName = "manager-test",
                Namespace = "rag",
                Identity = identity,
                // Long enough that a busy machine never costs the leader its lease; the handover here is a release.
                LeaseDuration = TimeSpan.FromSeconds(15),
                RenewDeadline = TimeSpan.FromSeconds(10),
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            });
            var manager = new ControllerManager(elector: elector);
            var informer = new Informer<ConfigMap>(client, new InformerOptions { Namespace = "rag" });
            manager.AddController(new Controller<ConfigMap>("c-" + identity, informer, new DelegateReconciler<ConfigMap>((_, _) =>
            {
                reconciledBy.Add(identity);
                return Task.FromResult(ReconcileResult.Done);
            }), new ControllerOptions { ResyncPeriod = null }));
            return (manager, elector);
        }

        var a = Replica("a");
        using var stopA = new CancellationTokenSource();
        var runA = a.Manager.RunAsync(stopA.Token);
        await Eventually.TrueAsync(() => a.Elector.IsLeader, "a leads");
        var b = Replica("b");
        using var stopB = new CancellationTokenSource();
        var runB = b.Manager.RunAsync(stopB.Token);
        await Eventually.TrueAsync(() => b.Manager.Readiness().Healthy, "the standby becomes ready with synced caches");

        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "x", Namespace = "rag" } });
        await Eventually.TrueAsync(() => reconciledBy.Contains("a"), "the leader reconciles");
        await Task.Delay(300);
        reconciledBy.Should().NotContain("b");

        await stopA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(20));
        a.Manager.LostLeadership.Should().BeFalse("it was shut down, it did not lose the lease");
        await Eventually.TrueAsync(() => reconciledBy.Contains("b"), "the new leader reconciles everything on taking over");

        await stopB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(20));
        a.Elector.Dispose();
        b.Elector.Dispose();
    }
}
