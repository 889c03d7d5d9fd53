using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Operator.Tls;
using RagOperator.Soak;
using RagOperator.Sandbox;
using RagOperator.Workload;
using Xunit;
using Xunit.Abstractions;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.IntegrationTests.Tls;

/// <summary>
/// TLS through the whole product in the sandbox: shards and routers serve the certificates the operator issued (read
/// from the Secret volumes their pods mount), and every client — operator, routers, applications — verifies them
/// against the collection's CA.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class SandboxTlsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Routers_and_shards_serve_https_that_only_a_client_trusting_the_collections_ca_accepts()
    {
        await using var scenario = await MigrationScenario.StartAsync("tls", 2, seed: 71, output.WriteLine);
        var sandbox = scenario.Sandbox;
        await scenario.LoadAsync(200);

        var routers = sandbox.RoutersOf(scenario.Name);
        routers.Should().OnlyContain(r => r.BaseUri.Scheme == Uri.UriSchemeHttps);
        routers[0].CurrentTable!.Shards.Should().OnlyContain(s => s.Endpoint.StartsWith("https://127.0.0.1:", StringComparison.Ordinal));
        var endpoints = sandbox.RouterEndpointsOf(scenario.Name);
        endpoints.Select(e => e.Rest).Should().BeEquivalentTo(routers.Select(r => r.BaseUri), "each router's REST address is listed by its pod");
        endpoints.Should().OnlyContain(e => e.Grpc.Scheme == Uri.UriSchemeHttps && e.Grpc.Port != e.Rest.Port, "gRPC has a port of its own, with TLS too");
        var stored = 0UL;
        for (var shard = 0; shard < 2; shard++)
        {
            using var qdrant = await Collections.ClientAsync(sandbox, scenario.Name, shard);
            qdrant.BaseUri.Scheme.Should().Be(Uri.UriSchemeHttps);
            stored += await qdrant.CountAsync(scenario.Name);
        }

        stored.Should().Be(200, "the routers wrote every point to the shards over verified TLS");

        // A client with only the system's roots does not trust the collection's CA.
        using var untrusting = new HttpClient();
        var refused = await untrusting.Invoking(c => c.GetAsync(new Uri(routers[0].BaseUri, "healthz"))).Should().ThrowAsync<HttpRequestException>();
        refused.Which.HttpRequestError.Should().Be(HttpRequestError.SecureConnectionError);

        // Clear text is not served on the TLS port.
        var plainUri = new UriBuilder(routers[0].BaseUri) { Scheme = Uri.UriSchemeHttp }.Uri;
        var plain = await Answer(() => untrusting.GetAsync(new Uri(plainUri, "healthz")));
        plain.Should().NotBe(200, "a router with TLS on answers nothing useful in clear text");

        (await scenario.GetAsync()).Status!.Conditions!.Single(c => c.Type == "TLS").Status.Should().Be("True");
    }

    [Fact]
    public async Task A_shard_serving_a_certificate_of_another_ca_is_refused_and_the_collection_says_so()
    {
        await using var scenario = await MigrationScenario.StartAsync("wrongca", 2, seed: 72, output.WriteLine);
        var sandbox = scenario.Sandbox;
        await scenario.LoadAsync(50);

        // Another CA's certificate, with every name shard 1's own certificate has: only the issuer is wrong.
        var now = DateTimeOffset.UtcNow;
        var foreignCa = CertificatePlanner.Authority("elsewhere/other", null, now, CertificateLifetimes.Default).State;
        var foreign = CertificatePlanner.Leaf(CertificateNeeds.Shard(sandbox.Namespace, scenario.Name, 1), foreignCa, null, null, now, CertificateLifetimes.Default).Certificate;
        using var pem = foreign.Load();
        using var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var impostor = await sandbox.Shards.ServeCertificateAsync(sandbox.Namespace, scenario.Name, 1, certificate);

        var degraded = await sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Conditions?.Any(x => x.Type == "Degraded" && x.Status == "True" && x.Message.Contains("shard 1", StringComparison.Ordinal)
                                                && x.Message.Contains("TLS handshake failed", StringComparison.Ordinal)) == true,
            "Degraded naming shard 1's refused handshake", Timeout);
        output.WriteLine(degraded.Status!.Conditions!.Single(c => c.Type == "Degraded").Message);

        using var http = await sandbox.RouterHttpClientAsync(scenario.Name, Timeout);
        var router = new RouterClient(http, [.. sandbox.RoutersOf(scenario.Name).Select(r => r.BaseUri)], scenario.Name, Collections.RouterKey);
        var search = await router.SearchAsync([1, 0, 0, 0, 0, 0, 0, 0], 5);
        search.Succeeded.Should().BeFalse("the routers refuse the impostor too, and say so rather than answer with half the shards");
        search.Error.Should().Contain("TLS handshake failed");
        impostor.Collections.Names.Should().BeEmpty("neither the operator nor a router sent it a request");
    }

    [Fact]
    public async Task With_cert_manager_the_collection_waits_for_its_issuer_and_then_serves_what_cert_manager_issued()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { CertManager = true });
        sandbox.CertManager!.Refuse("corp-ca", "secret \"corp-ca-key\" not found");
        await sandbox.CreateSecretAsync("cm-qdrant", "api-key", Collections.QdrantKey);
        await sandbox.CreateSecretAsync("cm-router", "api-key", Collections.RouterKey);
        await sandbox.ApplyAsync(Collections.Docs("cm", spec => spec.Tls = new TlsSpec
        {
            Mode = TlsMode.CertManager,
            IssuerRef = new CertificateIssuerReference { Name = "corp-ca", Kind = CertificateIssuerKind.ClusterIssuer },
        }));

        // First the Secrets are missing; once cert-manager has reported, the condition says why.
        var pending = await sandbox.WaitForCollectionAsync("cm", c => c.Status?.Conditions?.Any(x => x is { Type: "TLS", Status: "False", Reason: "CertificatesPending" }
                                                                                                   && x.Message.Contains("corp-ca-key", StringComparison.Ordinal)) == true,
            "the TLS condition to tell what cert-manager reports", Timeout);
        pending.Status!.Conditions!.Single(c => c.Type == "TLS").Message.Should().Contain("ClusterIssuer corp-ca").And.Contain("Certificate cm-shard-0-tls is not Ready");
        output.WriteLine(pending.Status.Conditions!.Single(c => c.Type == "TLS").Message);

        sandbox.CertManager.Refuse("corp-ca", null);
        var ready = await sandbox.WaitForConditionAsync("cm", "Ready", timeout: Timeout);

        ready.Status!.Tls!.Mode.Should().Be("CertManager");
        (await sandbox.TrustAsync("cm"))!.Pem.Should().Be(sandbox.CertManager.CaPem("corp-ca"));
        await WriteAndCountAsync(sandbox, "cm");
    }

    [Fact]
    public async Task With_the_users_own_secrets_the_collection_serves_them_once_they_name_every_host()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateIssuer.CreateAuthority("corp root", now, TimeSpan.FromDays(30));
        // Only the first shard's names: the collection must say what is missing and apply nothing.
        await sandbox.ApplyAsync(UserSecret("corp-shards", ca, ["own.default.svc", "*.own-shard-0-headless.default.svc"], now));
        await sandbox.ApplyAsync(UserSecret("corp-router", ca, ["own-router.default.svc"], now));
        await sandbox.CreateSecretAsync("own-qdrant", "api-key", Collections.QdrantKey);
        await sandbox.CreateSecretAsync("own-router", "api-key", Collections.RouterKey);
        await sandbox.ApplyAsync(Collections.Docs("own", spec => spec.Tls = new TlsSpec
        {
            Mode = TlsMode.Secret,
            Secrets = new TlsSecrets { Shards = "corp-shards", Router = "corp-router" },
        }));

        var blocked = await sandbox.WaitForCollectionAsync("own", c => c.Status?.Conditions?.Any(x => x is { Type: "Ready", Reason: "InvalidTlsSecret" }) == true,
            "the collection blocked by its shard certificate", Timeout);
        blocked.Status!.Conditions!.Single(c => c.Type == "Ready").Message.Should().Contain("does not name own-shard-0.default.svc, own-shard-1.default.svc");
        (await sandbox.Client.ListAsync<Kubernetes.Models.StatefulSet>(sandbox.Namespace)).Items.Should().BeEmpty("nothing is applied until the certificate is fixed");

        await sandbox.ApplyAsync(UserSecret("corp-shards", ca, ["*.default.svc", "*.own-shard-0-headless.default.svc", "*.own-shard-1-headless.default.svc"], now));
        var ready = await sandbox.WaitForConditionAsync("own", "Ready", timeout: Timeout);

        ready.Status!.Conditions!.Single(c => c.Type == "TLS").Message.Should().Contain("your certificates");
        (await sandbox.TrustAsync("own"))!.Pem.Should().Be(ca.CertificatePem);
        await WriteAndCountAsync(sandbox, "own");
    }

    /// <summary>Writes points through the collection's routers (https, verified) and counts them on its shards (https, verified).</summary>
    private static async Task WriteAndCountAsync(SandboxHost sandbox, string name)
    {
        var routers = await SandboxHost.WaitForAsync(
            _ => Task.FromResult(sandbox.RoutersOf(name) is { Count: >= 2 } r && r.All(x => x.CurrentTable is not null) ? r : null), Timeout, "two routers serving a table");
        routers.Should().OnlyContain(r => r.BaseUri.Scheme == Uri.UriSchemeHttps);
        using var http = await sandbox.RouterHttpClientAsync(name, Timeout);
        var router = new RouterClient(http, [.. routers.Select(r => r.BaseUri)], name, Collections.RouterKey);
        var write = await router.UpsertAsync([.. Enumerable.Range(1, 20).Select(i => new RouterPoint((ulong)i, [i, 1, 0, 0, 0, 0, 0, 0], []))]);
        write.Acknowledged.Should().BeTrue(write.Error);
        var stored = 0UL;
        for (var shard = 0; shard < 2; shard++)
        {
            using var qdrant = await Collections.ClientAsync(sandbox, name, shard);
            stored += await qdrant.CountAsync(name);
        }

        stored.Should().Be(20);
    }

    private static Kubernetes.Models.Secret UserSecret(string name, IssuedCertificate ca, string[] dnsNames, DateTimeOffset now)
    {
        var leaf = CertificateIssuer.IssueLeaf(ca, name, dnsNames, now, TimeSpan.FromDays(30));
        return new Kubernetes.Models.Secret
        {
            Metadata = new Kubernetes.Models.ObjectMeta { Name = name },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = System.Text.Encoding.UTF8.GetBytes(leaf.CertificatePem),
                ["tls.key"] = System.Text.Encoding.UTF8.GetBytes(leaf.PrivateKeyPem),
                ["ca.crt"] = System.Text.Encoding.UTF8.GetBytes(ca.CertificatePem),
            },
        };
    }

    private static async Task<int> Answer(Func<Task<HttpResponseMessage>> call)
    {
        try
        {
            using var response = await call();
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
