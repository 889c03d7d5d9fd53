using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;
using RagOperator.TestSupport.Prometheus;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.LeaderElection;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Tests.Support;

namespace RagOperator.Kubernetes.Tests.LeaderElection;

/// <summary>Leader election on a real Lease over HTTP, with short durations.</summary>
public sealed class LeaderElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(200);
    private readonly TestCluster cluster = new();
    private readonly string leaseName = "rag-operator-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => cluster.InitializeAsync();
    public Task DisposeAsync() => cluster.DisposeAsync();

    private LeaderElector Elector(
        string identity, IKubernetesClient client, TimeSpan? leaseDuration = null, TimeSpan? renewDeadline = null, CollectorRegistry? metrics = null) => new(client, new LeaderElectionOptions
    {
        LeaseName = leaseName,
        Namespace = "rag",
        Identity = identity,
        LeaseDuration = leaseDuration ?? LeaseDuration,
        RenewDeadline = renewDeadline ?? RenewDeadline,
        RetryPeriod = RetryPeriod,
        Metrics = metrics is null ? null : new ControllerMetrics(metrics),
    });

    /// <summary>Runs an elector whose "work" lasts until its leadership token is cancelled, recording when it led.</summary>
    private static (Task Run, CancellationTokenSource Stop, ConcurrentQueue<string> Log) Campaign(LeaderElector elector)
    {
        var stop = new CancellationTokenSource();
        var log = new ConcurrentQueue<string>();
        var run = Task.Run(() => elector.RunAsync(
            async token =>
            {
                log.Enqueue("started");
                await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);
                log.Enqueue("work-stopped");
            },
            () => log.Enqueue("stopped"),
            stop.Token));
        return (run, stop, log);
    }

    /// <summary>Samples both electors until stopped and counts moments when both claim leadership.</summary>
    private static (Task Sampler, Func<int> Overlaps) WatchForTwoLeaders(LeaderElector a, LeaderElector b, CancellationToken stop)
    {
        var overlaps = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (a.IsLeader && b.IsLeader) Interlocked.Increment(ref overlaps);
                await Task.Delay(2, CancellationToken.None);
            }
        }, CancellationToken.None);
        return (sampler, () => Volatile.Read(ref overlaps));
    }

    [Fact]
    public async Task A_partitioned_leader_is_no_longer_leader_at_its_renew_deadline_and_the_standby_takes_over_without_overlap()
    {
        var network = new PartitionableHandler();
        using var a = Elector("replica-a", cluster.NewClient(network));
        using var b = Elector("replica-b", cluster.NewClient());
        using var stopSampling = new CancellationTokenSource();
        var (sampler, overlaps) = WatchForTwoLeaders(a, b, stopSampling.Token);

        var runA = Campaign(a);
        await Eventually.TrueAsync(() => a.IsLeader, "replica-a leads");
        var runB = Campaign(b);
        await Eventually.TrueAsync(() => b.ObservedLeader == "replica-a", "replica-b sees replica-a holding the lease");
        b.IsLeader.Should().BeFalse();

        network.Partition();

        // IsLeader compares the clock with the deadline of the last successful renew (which started before the
        // partition), so it is false from partition + RenewDeadline on, however late this test gets to look: a wait
        // that runs late on a busy machine cannot make this check fail, and a leader that outlives its deadline can.
        await Task.Delay(RenewDeadline + TimeSpan.FromMilliseconds(20));
        a.IsLeader.Should().BeFalse("leadership ends at the renew deadline, whatever the network does");
        await Eventually.TrueAsync(() => b.IsLeader, "replica-b takes over", TimeSpan.FromSeconds(10));

        await stopSampling.CancelAsync();
        await sampler;
        overlaps().Should().Be(0, "there is never a moment with two leaders");
        await runA.Run.WaitAsync(TimeSpan.FromSeconds(10));
        runA.Log.Should().Equal("started", "work-stopped", "stopped");

        var lease = await cluster.Client.GetAsync<Lease>(leaseName, "rag");
        lease.Spec.HolderIdentity.Should().Be("replica-b");
        lease.Spec.LeaseTransitions.Should().Be(1);
        lease.Spec.LeaseDurationSeconds.Should().Be(2);
        lease.Spec.AcquireTime.Should().NotBeNull();

        await runB.Stop.CancelAsync();
        await runB.Run.WaitAsync(TimeSpan.FromSeconds(10));
        runA.Stop.Dispose();
        runB.Stop.Dispose();
    }

    [Fact]
    public async Task A_leader_shutting_down_gracefully_releases_the_lease_so_the_standby_takes_over_at_once()
    {
        // A long lease: a takeover well inside it can only come from the release.
        var longLease = TimeSpan.FromSeconds(20);
        // Each replica has its own registry, as each pod has its own /metrics.
        var (metricsA, metricsB) = (Metrics.NewCustomRegistry(), Metrics.NewCustomRegistry());
        using var a = Elector("replica-a", cluster.NewClient(), longLease, TimeSpan.FromSeconds(15), metricsA);
        using var b = Elector("replica-b", cluster.NewClient(), longLease, TimeSpan.FromSeconds(15), metricsB);
        using var stopSampling = new CancellationTokenSource();
        var (sampler, overlaps) = WatchForTwoLeaders(a, b, stopSampling.Token);

        var runA = Campaign(a);
        await Eventually.TrueAsync(() => a.IsLeader, "replica-a leads");
        var runB = Campaign(b);
        await Eventually.TrueAsync(() => b.ObservedLeader == "replica-a", "replica-b sees the leader");
        var (fromA, fromB) = (await metricsA.ScrapeAsync(), await metricsB.ScrapeAsync());
        fromA.Family("leader_is_leader").Type.Should().Be("gauge");
        fromA.Value("leader_is_leader", ("name", leaseName)).Should().Be(1);
        fromB.Value("leader_is_leader", ("name", leaseName)).Should().Be(0);

        var shutdown = Stopwatch.StartNew();
        await runA.Stop.CancelAsync();
        await runA.Run.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => b.IsLeader, "replica-b takes over", TimeSpan.FromSeconds(10));

        shutdown.Elapsed.Should().BeLessThan(longLease / 2, "a released lease is free at once; nobody waits for it to expire");
        runA.Log.Should().Equal("started", "work-stopped", "stopped");
        await stopSampling.CancelAsync();
        await sampler;
        overlaps().Should().Be(0);

        await runB.Stop.CancelAsync();
        await runB.Run.WaitAsync(TimeSpan.FromSeconds(10));
        runA.Stop.Dispose();
        runB.Stop.Dispose();
    }

    [Fact]
    public async Task A_stop_while_the_acquiring_write_is_in_flight_still_releases_the_lease_that_write_took()
    {
        // The server commits the acquiring write but its answer never arrives before the stop.
        var network = new StallFirstLeaseWriteHandler();
        using var a = Elector("replica-a", cluster.NewClient(network), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(15));
        var run = Campaign(a);
        await network.Committed.WaitAsync(TimeSpan.FromSeconds(10));
        (await cluster.Client.GetAsync<Lease>(leaseName, "rag")).Spec.HolderIdentity.Should().Be("replica-a");

        await run.Stop.CancelAsync();
        await run.Run.WaitAsync(TimeSpan.FromSeconds(10));

        run.Log.Should().BeEmpty("the elector never learnt it led");
        var lease = await cluster.Client.GetAsync<Lease>(leaseName, "rag");
        lease.Spec.HolderIdentity.Should().BeNullOrEmpty("a lease this replica may hold is given up on stop, not left to expire");
        run.Stop.Dispose();
    }

    /// <summary>Lets the first lease create or update reach the server, then holds its response until the caller gives up.</summary>
    private sealed class StallFirstLeaseWriteHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly TaskCompletionSource committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int stalled;

        public Task Committed => committed.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get || !request.RequestUri!.AbsolutePath.Contains("/leases", StringComparison.Ordinal)
                || Interlocked.Exchange(ref stalled, 1) == 1)
            {
                return response;
            }

            response.Dispose();
            committed.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new UnreachableException();
        }
    }

    [Fact]
    public async Task Of_several_candidates_exactly_one_leads()
    {
        var electors = Enumerable.Range(0, 3).Select(i => Elector($"replica-{i}", cluster.NewClient())).ToList();
        var leadersAtOnce = 0;
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                var leaders = electors.Count(e => e.IsLeader);
                if (leaders > leadersAtOnce) leadersAtOnce = leaders;
                await Task.Delay(2, CancellationToken.None);
            }
        }, CancellationToken.None);
        var runs = electors.Select(Campaign).ToList();

        await Eventually.TrueAsync(() => electors.Count(e => e.IsLeader) == 1, "one leader");
        // Keep watching for longer than a lease: renewals go on and the others keep waiting.
        await Task.Delay(LeaseDuration + RetryPeriod);
        await stopSampling.CancelAsync();
        await sampler;

        leadersAtOnce.Should().Be(1);
        var lease = await cluster.Client.GetAsync<Lease>(leaseName, "rag");
        await Eventually.TrueAsync(() => electors.Any(e => e.IsLeader && e.Identity == lease.Spec.HolderIdentity), "the holder of the lease is the leader");

        foreach (var run in runs) await run.Stop.CancelAsync();
        await Task.WhenAll(runs.Select(r => r.Run)).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var run in runs) run.Stop.Dispose();
        foreach (var elector in electors) elector.Dispose();
    }

    [Fact]
    public void The_renew_deadline_must_be_shorter_than_the_lease_so_leaders_never_overlap()
    {
        var act = () => new LeaderElector(cluster.Client, new LeaderElectionOptions
        {
            LeaseName = "l",
            Namespace = "rag",
            Identity = "x",
            LeaseDuration = TimeSpan.FromSeconds(10),
            RenewDeadline = TimeSpan.FromSeconds(10),
        });

        act.Should().Throw<ArgumentException>().WithMessage("*RenewDeadline*shorter than LeaseDuration*");
    }
}
