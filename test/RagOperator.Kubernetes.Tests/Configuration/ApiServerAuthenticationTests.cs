using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Tests.Support;
using RagOperator.TestSupport.Credentials;

namespace RagOperator.Kubernetes.Tests.Configuration;

/// <summary>
/// Kubeconfig credentials against an API server that checks them: the in-process server over HTTPS (its CA given by
/// certificate-authority-data), accepting only the tokens the test says are valid now.
/// </summary>
public sealed class ApiServerAuthenticationTests : IDisposable
{
    private readonly TestCertificates certs = TestCertificates.Shared;
    private readonly string directory = Directory.CreateTempSubdirectory("credentials-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static Task<InProcessKubernetesApiServer> StartServerAsync(Func<string, bool> accepts) =>
        InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions
        {
            ServerCertificate = TestCertificates.Shared.Server,
            AcceptsBearerToken = accepts,
        });

    private string Kubeconfig(Uri server, string user) => $"""
        current-context: test
        clusters:
        - name: c
          cluster:
            server: {server.AbsoluteUri}
            certificate-authority-data: {TestCertificates.Base64(certs.CaPem)}
        contexts:
        - name: test
          context: {"{"}cluster: c, user: u{"}"}
        users:
        - name: u
          user:
        {user}
        """;

    private static KubernetesClient Client(KubernetesClientConfiguration configuration) =>
        new(configuration, new KubernetesClientOptions { MaxRetries = 0 });

    [Fact]
    public async Task An_exec_plugin_token_is_accepted_and_the_plugin_runs_again_as_its_token_nears_expiry()
    {
        // The client refreshes a token 30 s before it expires: with 33 s tokens, each is used for 3 s.
        var plugin = new ExecCredentialPlugin(Path.Combine(directory, "issued"), ttlSeconds: 33);
        await using var server = await StartServerAsync(plugin.Accepts);
        server.BaseUri.Scheme.Should().Be("https");
        using var client = Client(KubernetesClientConfiguration.FromKubeconfigYaml(Kubeconfig(server.BaseUri, plugin.UserYaml(4))));

        (await client.GetAsync<Namespace>("default")).Metadata.Name.Should().Be("default");
        var runs = plugin.Runs;
        await Task.Delay(TimeSpan.FromSeconds(4));
        (await client.GetAsync<Namespace>("default")).Metadata.Name.Should().Be("default");

        plugin.Runs.Should().BeGreaterThan(runs, "a token within 30 s of its expiry is replaced by running the plugin again");
        using var stranger = Client(new KubernetesClientConfiguration
        {
            Server = server.BaseUri,
            CertificateAuthorities = [certs.Ca],
            TokenProvider = new k8s.Authentication.StringTokenProvider("exec-token-1-forged", "Bearer"),
        });
        var forged = () => stranger.GetAsync<Namespace>("default");
        (await forged.Should().ThrowAsync<KubernetesApiException>()).Which.StatusCode.Should().Be(401, "the server checks the tokens");
    }

    [Fact]
    public async Task A_token_file_that_rotates_is_read_again_after_a_minute()
    {
        var tokenFile = Path.Combine(directory, "token");
        await File.WriteAllTextAsync(tokenFile, "first\n");
        await using var server = await StartServerAsync(token => token == File.ReadAllText(tokenFile).Trim());
        var time = new ManualTimeProvider();
        using var client = Client(KubernetesClientConfiguration.FromKubeconfigYaml(Kubeconfig(server.BaseUri, $"    tokenFile: {tokenFile}"), timeProvider: time));

        await client.GetAsync<Namespace>("default");
        await File.WriteAllTextAsync(tokenFile, "second\n");
        var stale = () => client.GetAsync<Namespace>("default");
        (await stale.Should().ThrowAsync<KubernetesApiException>()).Which.StatusCode.Should().Be(401, "the file is read at most once a minute");
        time.Advance(TimeSpan.FromSeconds(61));

        (await client.GetAsync<Namespace>("default")).Metadata.Name.Should().Be("default");
    }

    [Fact]
    public async Task A_static_token_is_accepted_and_a_wrong_one_refused()
    {
        await using var server = await StartServerAsync(token => token == "s3cret");
        using var client = Client(KubernetesClientConfiguration.FromKubeconfigYaml(Kubeconfig(server.BaseUri, "    token: s3cret")));
        using var wrong = Client(KubernetesClientConfiguration.FromKubeconfigYaml(Kubeconfig(server.BaseUri, "    token: guessed")));

        (await client.GetAsync<Namespace>("default")).Metadata.Name.Should().Be("default");
        var act = () => wrong.GetAsync<Namespace>("default");

        (await act.Should().ThrowAsync<KubernetesApiException>()).Which.StatusCode.Should().Be(401);
    }
}
