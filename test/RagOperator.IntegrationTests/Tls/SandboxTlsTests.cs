using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Operator.Tls;
using RagOperator.Soak;
using RagOperator.Workload;
using Xunit;
using Xunit.Abstractions;

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
