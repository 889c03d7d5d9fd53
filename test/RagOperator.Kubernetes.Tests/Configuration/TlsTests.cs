using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.TestSupport.Credentials;

namespace RagOperator.Kubernetes.Tests.Configuration;

/// <summary>The TLS settings of a kubeconfig, exercised against a real HTTPS server on loopback.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TestCertificates certs = TestCertificates.Shared;
    private readonly TestCertificates strangers = TestCertificates.Other;
    private WebApplication? app;
    private Uri server = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = certs.Server;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate();
        })));
        app = builder.Build();
        // Echo who the client authenticated as, the way the API server derives the user from the certificate.
        app.MapGet("/api/v1/namespaces/{ns}/configmaps/{name}", (HttpContext context, string ns, string name) => Results.Json(new
        {
            apiVersion = "v1",
            kind = "ConfigMap",
            metadata = new { name, @namespace = ns },
            data = new Dictionary<string, string>
            {
                ["subject"] = context.Connection.ClientCertificate?.Subject ?? "",
                ["authorization"] = context.Request.Headers.Authorization.ToString(),
            },
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
    }

    private string Kubeconfig(string clusterExtra, string userExtra) => $"""
        current-context: t
        clusters:
        - name: c
          cluster:
            server: {server.AbsoluteUri}
        {clusterExtra}
        contexts:
        - name: t
          context: {"{"}cluster: c, user: u{"}"}
        users:
        - name: u
          user:
        {userExtra}
        """;

    private static string Indent(string text, int spaces) => string.Join('\n', text.Split('\n').Select(l => new string(' ', spaces) + l));

    [Fact]
    public async Task The_configured_CA_verifies_the_server_and_the_client_certificate_authenticates()
    {
        var yaml = Kubeconfig(
            Indent($"certificate-authority-data: {TestCertificates.Base64(certs.CaPem)}", 4),
            Indent($"client-certificate-data: {TestCertificates.Base64(certs.ClientCertificatePem)}\nclient-key-data: {TestCertificates.Base64(certs.ClientKeyPem)}", 4));
        using var client = new KubernetesClient(KubernetesClientConfiguration.FromKubeconfigYaml(yaml));

        var map = await client.GetAsync<ConfigMap>("who", "default");

        map.Data!["subject"].Should().Contain("CN=jane").And.Contain("O=system:masters");
    }

    [Fact]
    public async Task A_server_signed_by_another_CA_is_refused()
    {
        var yaml = Kubeconfig(Indent($"certificate-authority-data: {TestCertificates.Base64(strangers.CaPem)}", 4), Indent("token: t", 4));
        using var client = new KubernetesClient(
            KubernetesClientConfiguration.FromKubeconfigYaml(yaml), new KubernetesClientOptions { MaxRetries = 0 });

        var act = () => client.GetAsync<ConfigMap>("who", "default");

        await act.Should().ThrowAsync<HttpRequestException>();
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_accepts_any_server_and_the_token_is_sent()
    {
        var yaml = Kubeconfig(Indent("insecure-skip-tls-verify: true", 4), Indent("token: abc.def", 4));
        using var client = new KubernetesClient(KubernetesClientConfiguration.FromKubeconfigYaml(yaml));

        var map = await client.GetAsync<ConfigMap>("who", "default");

        map.Data!["authorization"].Should().Be("Bearer abc.def");
        map.Data["subject"].Should().BeEmpty();
    }

    [Theory]
    [InlineData("kubernetes.default.svc", true)]
    [InlineData("other.example", false)]
    public async Task The_tls_server_name_is_what_the_server_certificate_must_name(string serverName, bool accepted)
    {
        var yaml = Kubeconfig(
            Indent($"certificate-authority-data: {TestCertificates.Base64(certs.CaPem)}\ntls-server-name: {serverName}", 4),
            Indent("token: t", 4));
        using var client = new KubernetesClient(KubernetesClientConfiguration.FromKubeconfigYaml(yaml), new KubernetesClientOptions { MaxRetries = 0 });

        var act = () => client.GetAsync<ConfigMap>("who", "default");

        if (accepted) await act.Should().NotThrowAsync();
        else await act.Should().ThrowAsync<HttpRequestException>();
    }
}
