using System.Diagnostics;
using FluentAssertions;
using RagOperator.Api.Schema;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.TestSupport.Credentials;
using Xunit;

namespace RagOperator.Operator.Tests.Hosting;

/// <summary>
/// The built <c>rag-operator</c> binary as a child process against an in-process API server: a pod's SIGTERM (and
/// a terminal's SIGINT) must stop it promptly, cleanly and with the leader Lease given up, so a rollout never waits
/// for SIGKILL and a standby takes over at once. The server speaks HTTPS and accepts only tokens from an exec
/// credential plugin, and the operator reaches it through a kubeconfig as EKS, GKE and AKS write them: the CA in
/// certificate-authority-data, the user an exec plugin.
/// </summary>
public sealed class ProcessSignalTests
{
    private const string LeaseName = "rag-operator-leader";
    private static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_stops_the_leader_cleanly_and_releases_the_lease(string signal)
    {
        await using var cluster = await Cluster.StartAsync();
        // A lease timed for a loaded CI machine: the first acquire (exec plugin, TLS handshake) can take seconds
        // there, and leadership counts from the start of that request; this test is about the signal, not the lease.
        await using var operatorProcess = await cluster.StartLeaderAsync(
            "--leader-elect-lease-duration", "60", "--leader-elect-renew-deadline", "45", "--leader-elect-retry-period", "2");

        var stopwatch = Stopwatch.StartNew();
        operatorProcess.Signal(signal);
        var exited = await operatorProcess.WaitForExitAsync(StopBudget);
        stopwatch.Stop();

        cluster.Plugin.Runs.Should().BeGreaterThan(0, "the operator authenticates with the exec plugin's token");
        exited.Should().BeTrue($"SIG{signal} must stop the operator within {StopBudget}; output:\n{operatorProcess.Output}");
        operatorProcess.ExitCode.Should().Be(0, $"a requested stop is a clean exit; output:\n{operatorProcess.Output}");
        operatorProcess.Output.Should().Contain("Shutting down").And.Contain("Controller vectorcollection stopped").And.Contain("released lease");
        var lease = await cluster.LeaseAsync();
        lease.Spec.HolderIdentity.Should().BeNullOrEmpty($"the leader gives the Lease up on a clean stop; output:\n{operatorProcess.Output}");
        lease.Spec.LeaseDurationSeconds.Should().Be(1, "a released Lease expires at once for the standby");
        Console.WriteLine($"SIG{signal}: stopped in {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_its_lease_exits_non_zero()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var operatorProcess = await cluster.StartLeaderAsync();

        // Every renewal is refused from now on: leadership ends at the renew deadline (10 s).
        cluster.Api.Faults.Add(new FaultRule { Kind = FaultKind.Conflict, Verb = "update", Resource = "leases.coordination.k8s.io" });
        var exited = await operatorProcess.WaitForExitAsync(TimeSpan.FromSeconds(30));

        exited.Should().BeTrue($"a replica that lost the lease must exit; output:\n{operatorProcess.Output}");
        operatorProcess.ExitCode.Should().Be(2, $"lost leadership is not a clean stop; output:\n{operatorProcess.Output}");
        operatorProcess.Output.Should().Contain("Leadership lost");
    }

    /// <summary>An in-process API server with the CRDs, a kubeconfig file for it and a client to read the Lease.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly TemporaryDirectory directory;
        private readonly KubernetesClient client;

        private const string TestToken = "the-tests-own-token";

        private Cluster(InProcessKubernetesApiServer api, ExecCredentialPlugin plugin, TemporaryDirectory directory)
        {
            Api = api;
            Plugin = plugin;
            this.directory = directory;
            client = new KubernetesClient(new KubernetesClientConfiguration
            {
                Server = api.BaseUri,
                CertificateAuthorities = [TestCertificates.Shared.Ca],
                TokenProvider = new k8s.Authentication.StringTokenProvider(TestToken, "Bearer"),
            });
            KubeconfigPath = Path.Combine(directory.Path, "kubeconfig");
            File.WriteAllText(KubeconfigPath, Kubeconfig(api.BaseUri, plugin));
        }

        public InProcessKubernetesApiServer Api { get; }

        public ExecCredentialPlugin Plugin { get; }

        public string KubeconfigPath { get; }

        public static async Task<Cluster> StartAsync()
        {
            var directory = new TemporaryDirectory();
            var plugin = new ExecCredentialPlugin(Path.Combine(directory.Path, "issued-tokens"));
            var api = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions
            {
                ServerCertificate = TestCertificates.Shared.Server,
                AcceptsBearerToken = token => token == TestToken || plugin.Accepts(token),
            });
            foreach (var (_, yaml) in CrdGenerator.GenerateAll()) api.RegisterCustomResourceDefinitions(yaml);
            return new Cluster(api, plugin, directory);
        }

        public async Task<Lease> LeaseAsync() => await client.GetAsync<Lease>(LeaseName, "default");

        /// <summary>Starts the operator with leader election and waits until it holds the Lease and runs its controllers.</summary>
        public async Task<ChildProcess> StartLeaderAsync(params string[] flags)
        {
            var identity = "operator-" + Guid.NewGuid().ToString("N")[..8];
            var process = StartOperator(KubeconfigPath, identity, flags);
            try
            {
                await WaitForAsync(async () => (await client.TryGetAsync<Lease>(LeaseName, "default"))?.Spec.HolderIdentity == identity
                    && process.Output.Contains("Controller vectorcollection started", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(60), process, "the operator to take the leader Lease");
                return process;
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await Api.DisposeAsync();
            directory.Dispose();
        }
    }

    private static string Kubeconfig(Uri server, ExecCredentialPlugin plugin) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: in-process
          cluster:
            server: {server.AbsoluteUri.TrimEnd('/')}
            certificate-authority-data: {TestCertificates.Base64(TestCertificates.Shared.CaPem)}
        users:
        - name: tester
          user:
        {plugin.UserYaml(4)}
        contexts:
        - name: in-process
          context:
            cluster: in-process
            user: tester
            namespace: default
        current-context: in-process
        """;

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, ChildProcess process, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (process.HasExited) throw new InvalidOperationException($"The operator exited ({process.ExitCode}) while waiting for {what}:\n{process.Output}");
            if (deadline.Elapsed > timeout) throw new TimeoutException($"Timed out waiting for {what}:\n{process.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>rag-operator.dll as built next to this test project, run with <c>dotnet</c> as a leader-electing replica.</summary>
    private static ChildProcess StartOperator(string kubeconfig, string identity, IReadOnlyList<string> flags) =>
        ChildProcess.Start(
            ChildProcess.BuiltDll("RagOperator.Operator", "rag-operator"),
            ["run", "--kubeconfig", kubeconfig, "--leader-elect", "--metrics-port", "0", "--health-port", "0", "--log-format", "text", .. flags],
            new Dictionary<string, string> { ["POD_NAME"] = identity, ["POD_NAMESPACE"] = "default" });

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("rag-operator-signal-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
