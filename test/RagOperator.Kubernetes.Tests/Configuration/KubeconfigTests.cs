using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Tests.Support;
using RagOperator.TestSupport.Credentials;

namespace RagOperator.Kubernetes.Tests.Configuration;

public sealed class KubeconfigTests : IDisposable
{
    private readonly TestCertificates certs = TestCertificates.Shared;
    private readonly TestCertificates otherCerts = TestCertificates.Other;
    private readonly string directory = Directory.CreateTempSubdirectory("kubeconfig-").FullName;

    public void Dispose()
    {
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>A kubeconfig shaped like a real one: kind/EKS-style entries, embedded and file-referenced credentials.</summary>
    private string WriteRealisticKubeconfig()
    {
        Directory.CreateDirectory(Path.Combine(directory, "certs"));
        File.WriteAllText(Path.Combine(directory, "certs", "staging-ca.crt"), otherCerts.CaPem);
        File.WriteAllText(Path.Combine(directory, "certs", "ci.crt"), certs.ClientCertificatePem);
        File.WriteAllText(Path.Combine(directory, "certs", "ci.key"), certs.ClientKeyPkcs8Pem);
        File.WriteAllText(Path.Combine(directory, "sa-token"), "token-from-file\n");
        var yaml = $"""
            apiVersion: v1
            kind: Config
            preferences: {"{}"}
            current-context: kind-rag
            clusters:
            - name: kind-rag
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority-data: {TestCertificates.Base64(certs.CaPem)}
            - name: staging
              cluster:
                server: https://staging.example.com:443/k8s/clusters/c-1
                certificate-authority: certs/staging-ca.crt
            - name: dev
              cluster:
                server: https://10.0.0.1:6443
                insecure-skip-tls-verify: true
                tls-server-name: kubernetes.default.svc
            contexts:
            - name: kind-rag
              context:
                cluster: kind-rag
                user: kind-admin
                namespace: rag-system
            - name: staging-ci
              context:
                cluster: staging
                user: ci
            - name: dev
              context:
                cluster: dev
                user: dev-token
                namespace: dev
            - name: dev-sa
              context:
                cluster: dev
                user: service-account
            users:
            - name: kind-admin
              user:
                client-certificate-data: {TestCertificates.Base64(certs.ClientCertificatePem)}
                client-key-data: {TestCertificates.Base64(certs.ClientKeyPem)}
            - name: ci
              user:
                client-certificate: certs/ci.crt
                client-key: {Path.Combine(directory, "certs", "ci.key")}
            - name: dev-token
              user:
                token: eyJhbGciOiJSUzI1NiJ9.dev
            - name: service-account
              user:
                tokenFile: sa-token
            """;
        var path = Path.Combine(directory, "config");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public async Task The_current_context_uses_embedded_CA_and_client_certificate()
    {
        var config = KubernetesClientConfiguration.FromKubeconfig(WriteRealisticKubeconfig());

        config.ContextName.Should().Be("kind-rag");
        config.Server.Should().Be(new Uri("https://127.0.0.1:6443"));
        config.Namespace.Should().Be("rag-system");
        config.CertificateAuthorities!.Should().ContainSingle().Which.Thumbprint.Should().Be(certs.Ca.Thumbprint);
        config.ClientCertificate!.Subject.Should().Contain("CN=jane");
        config.ClientCertificate.HasPrivateKey.Should().BeTrue();
        config.TokenProvider.Should().BeNull();
        config.SkipTlsVerify.Should().BeFalse();
        (await Task.FromResult(config.Username)).Should().BeNull();
    }

    [Fact]
    public void A_named_context_resolves_file_references_relative_to_the_kubeconfig()
    {
        var config = KubernetesClientConfiguration.FromKubeconfig(WriteRealisticKubeconfig(), context: "staging-ci");

        config.Server.AbsoluteUri.Should().Be("https://staging.example.com/k8s/clusters/c-1");
        config.Namespace.Should().Be("default");
        config.CertificateAuthorities!.Should().ContainSingle().Which.Thumbprint.Should().Be(otherCerts.Ca.Thumbprint);
        config.ClientCertificate!.HasPrivateKey.Should().BeTrue();
        config.ClientCertificate.Thumbprint.Should().Be(certs.Client.Thumbprint);
    }

    [Fact]
    public async Task A_token_context_with_skip_verify_and_tls_server_name()
    {
        var config = KubernetesClientConfiguration.FromKubeconfig(WriteRealisticKubeconfig(), context: "dev");

        config.SkipTlsVerify.Should().BeTrue();
        config.TlsServerName.Should().Be("kubernetes.default.svc");
        config.Namespace.Should().Be("dev");
        (await Token(config)).Should().Be("eyJhbGciOiJSUzI1NiJ9.dev");
        config.ClientCertificate.Should().BeNull();
    }

    [Fact]
    public async Task A_tokenFile_is_read_relative_to_the_kubeconfig_and_re_read_after_it_rotates()
    {
        var time = new ManualTimeProvider();
        var config = KubernetesClientConfiguration.FromKubeconfig(WriteRealisticKubeconfig(), context: "dev-sa", timeProvider: time);

        (await Token(config)).Should().Be("token-from-file");
        await File.WriteAllTextAsync(Path.Combine(directory, "sa-token"), "rotated");
        (await Token(config)).Should().Be("token-from-file", "the token is cached for a minute");
        time.Advance(TimeSpan.FromSeconds(61));
        (await Token(config)).Should().Be("rotated");
    }

    [Fact]
    public async Task An_inline_token_takes_precedence_over_a_tokenFile_as_in_kubectl()
    {
        var tokenFile = Path.Combine(directory, "token");
        await File.WriteAllTextAsync(tokenFile, "from-file");
        var yaml = $"current-context: a\nclusters:\n- name: c\n  cluster: {{server: \"https://x:6443\"}}\ncontexts:\n- name: a\n  context: {{cluster: c, user: u}}\nusers:\n- name: u\n  user: {{token: inline, tokenFile: {tokenFile}}}\n";

        var config = KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        (await Token(config)).Should().Be("inline");
    }

    [Fact]
    public void A_KUBECONFIG_list_merges_files_with_the_first_definition_winning()
    {
        var first = Path.Combine(directory, "first");
        File.WriteAllText(first, """
            current-context: a
            contexts:
            - name: a
              context: {cluster: one, user: u}
            clusters:
            - name: one
              cluster: {server: "https://first:6443", insecure-skip-tls-verify: true}
            """);
        var second = Path.Combine(directory, "second");
        File.WriteAllText(second, """
            current-context: b
            clusters:
            - name: one
              cluster: {server: "https://second:6443"}
            users:
            - name: u
              user: {token: from-second}
            """);

        var config = KubernetesClientConfiguration.FromKubeconfig($"{first}{Path.PathSeparator}{Path.Combine(directory, "missing")}{Path.PathSeparator}{second}");

        config.ContextName.Should().Be("a");
        config.Server.Host.Should().Be("first");
        config.TokenProvider.Should().NotBeNull();
    }

    [Fact]
    public void In_cluster_configuration_reads_the_service_account_and_environment()
    {
        var serviceAccount = Directory.CreateDirectory(Path.Combine(directory, "sa")).FullName;
        File.WriteAllText(Path.Combine(serviceAccount, "token"), "pod-token");
        File.WriteAllText(Path.Combine(serviceAccount, "ca.crt"), certs.CaPem);
        File.WriteAllText(Path.Combine(serviceAccount, "namespace"), "rag-system\n");
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "fd00::1", ["KUBERNETES_SERVICE_PORT"] = "443" };

        var config = KubernetesClientConfiguration.InCluster(serviceAccount, name => env.GetValueOrDefault(name));

        config.Server.Should().Be(new Uri("https://[fd00::1]:443"));
        config.Namespace.Should().Be("rag-system");
        config.CertificateAuthorities!.Should().ContainSingle();
        config.TokenProvider.Should().BeOfType<FileTokenProvider>().Which.Path.Should().EndWith("token");
    }

    [Fact]
    public void In_cluster_configuration_outside_a_pod_says_which_variables_are_missing()
    {
        var act = () => KubernetesClientConfiguration.InCluster(directory, _ => null);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage("*KUBERNETES_SERVICE_HOST*KUBERNETES_SERVICE_PORT*");
    }

    [Theory]
    [InlineData("clusters: [unterminated", "kubeconfig <inline>: *")]
    [InlineData("clusters:\n- name: c\n  cluster: {server: \"https://x\", insecure-skip-tls-verify: maybe}", "kubeconfig <inline>: *maybe*")]
    [InlineData("contexts:\n- name: a\n  context: {cluster: c}\ncontexts2: []", "*no current-context is set*contexts: a*--context*")]
    public void Malformed_documents_are_rejected_with_the_source_and_the_problem(string yaml, string expected)
    {
        var act = () => KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage(expected);
    }

    [Fact]
    public void A_missing_context_is_named_with_the_known_ones()
    {
        var path = WriteRealisticKubeconfig();

        var act = () => KubernetesClientConfiguration.FromKubeconfig(path, context: "prod");

        act.Should().Throw<KubernetesConfigurationException>().WithMessage($"kubeconfig {path}: context 'prod' not found (contexts: dev, dev-sa, kind-rag, staging-ci)");
    }

    [Fact]
    public void A_context_naming_an_unknown_user_says_which_user_and_which_exist()
    {
        const string yaml = """
            current-context: a
            clusters:
            - name: c
              cluster: {server: "https://x:6443"}
            contexts:
            - name: a
              context: {cluster: c, user: nobody}
            users:
            - name: admin
              user: {token: t}
            """;

        var act = () => KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage("kubeconfig <inline>: context 'a' refers to unknown user 'nobody' (users: admin)");
    }

    [Fact]
    public void A_context_naming_an_unknown_cluster_is_rejected()
    {
        const string yaml = "current-context: a\ncontexts:\n- name: a\n  context: {cluster: gone}\n";

        var act = () => KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage("*context 'a' refers to unknown cluster 'gone' (clusters: none)*");
    }

    [Fact]
    public void Bad_base64_names_the_context_and_the_field()
    {
        const string yaml = """
            current-context: a
            clusters:
            - name: c
              cluster: {server: "https://x:6443"}
            contexts:
            - name: a
              context: {cluster: c, user: admin}
            users:
            - name: admin
              user:
                client-certificate-data: "not*base64!"
                client-key-data: "AAAA"
            """;

        var act = () => KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage("*context 'a'*client-certificate-data is not valid base64*");
    }

    [Fact]
    public void A_certificate_without_its_key_is_rejected()
    {
        var yaml = $"""
            current-context: a
            clusters:
            - name: c
              cluster: {"{"}server: "https://x:6443"{"}"}
            contexts:
            - name: a
              context: {"{"}cluster: c, user: u{"}"}
            users:
            - name: u
              user:
                client-certificate-data: {TestCertificates.Base64(certs.ClientCertificatePem)}
            """;

        var act = () => KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage("*user 'u' has a client certificate but no client key*");
    }

    [Fact]
    public void An_unreadable_kubeconfig_file_is_reported_with_its_path()
    {
        var path = Path.Combine(directory, "does-not-exist");

        var act = () => KubernetesClientConfiguration.FromKubeconfig(path);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage($"kubeconfig {path}: cannot read file*");
    }

    [Fact]
    public void A_cluster_without_a_server_or_with_a_bad_one_is_rejected()
    {
        const string template = "current-context: a\nclusters:\n- name: c\n  cluster: {SERVER}\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\n";

        var missing = () => KubernetesClientConfiguration.FromKubeconfigYaml(template.Replace("{SERVER}", "{insecure-skip-tls-verify: true}", StringComparison.Ordinal));
        var bad = () => KubernetesClientConfiguration.FromKubeconfigYaml(template.Replace("{SERVER}", "{server: \"ftp://x\"}", StringComparison.Ordinal));

        missing.Should().Throw<KubernetesConfigurationException>().WithMessage("kubeconfig <inline>, context 'a': *")
            .Which.Message.Should().ContainEquivalentOf("server");
        bad.Should().Throw<KubernetesConfigurationException>().WithMessage("*invalid server URL 'ftp://x'*");
    }

    [Fact]
    public async Task An_exec_plugin_user_runs_the_plugin_for_its_token()
    {
        var plugin = new ExecCredentialPlugin(Path.Combine(directory, "issued"));
        var yaml = $"""
            current-context: eks
            clusters:
            - name: c
              cluster: {"{"}server: "https://x:443"{"}"}
            contexts:
            - name: eks
              context: {"{"}cluster: c, user: aws{"}"}
            users:
            - name: aws
              user:
            {plugin.UserYaml(4)}
            """;

        var config = KubernetesClientConfiguration.FromKubeconfigYaml(yaml);
        var token = await Token(config);

        plugin.Accepts(token!).Should().BeTrue("the token is one the plugin issued");
    }

    [Fact]
    public void A_failing_exec_plugin_is_reported_with_its_error()
    {
        const string yaml = """
            current-context: eks
            clusters:
            - name: c
              cluster: {server: "https://x:443"}
            contexts:
            - name: eks
              context: {cluster: c, user: aws}
            users:
            - name: aws
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: bash
                  args: ["-c", "\"echo expired credentials >&2; sleep 1; exit 1\""]
            """;

        // The plugin pauses after its message: the client hands stderr over asynchronously, and stdout's end must
        // not overtake it.
        var act = () => KubernetesClientConfiguration.FromKubeconfigYaml(yaml);

        act.Should().Throw<KubernetesConfigurationException>().WithMessage("kubeconfig <inline>, context 'eks': the exec credential plugin failed: expired credentials (*)")
            .Which.Message.Should().NotContain(" at ", "a stack trace is no help to the user");
    }

    private static async Task<string?> Token(KubernetesClientConfiguration config) =>
        (await config.TokenProvider!.GetAuthenticationHeaderAsync(default)).Parameter;
}
