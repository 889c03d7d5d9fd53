using System.Security.Cryptography.X509Certificates;
using System.Text;
using FluentAssertions;
using RagOperator.InProcess.Qdrant;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Seams;
using RagOperator.Operator.Tls;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tls;
using RagOperator.Router;
using RagOperator.Router.RoutingSource;
using Xunit;

namespace RagOperator.Operator.Tests.Tls;

/// <summary>
/// Real TLS handshakes on loopback: an in-process Qdrant shard and an in-process router serving the certificates the
/// planner issues, and the operator's and router's clients verifying them against the collection's CA.
/// </summary>
public sealed class TlsTrafficTests : IDisposable
{
    private static readonly CertificateLifetimes Lifetimes = CertificateLifetimes.Default;
    private readonly string directory = Directory.CreateTempSubdirectory("rag-tls-").FullName;

    [Fact]
    public async Task The_operator_reaches_a_shard_whose_certificate_the_collections_ca_issued()
    {
        var (ca, shard) = Issue();
        await using var server = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { Certificate = ServerCertificate(shard) });
        using var factory = new CachingQdrantClientFactory(grpcAddress: _ => server.GrpcUri);

        var client = factory.Get(server.BaseUri, null, TrustBundle.FromPem(ca.TrustBundlePem));
        await client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(4, Distance.Dot)));

        server.BaseUri.Scheme.Should().Be("https");
        (await client.CollectionExistsAsync("docs")).Should().BeTrue();
    }

    [Fact]
    public async Task A_shard_with_a_certificate_from_another_ca_is_refused_at_the_handshake_with_a_message_that_says_so()
    {
        var (ours, _) = Issue();
        var (_, foreign) = Issue();
        await using var server = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { Certificate = ServerCertificate(foreign) });
        using var factory = new CachingQdrantClientFactory(grpcAddress: _ => server.GrpcUri);

        var client = factory.Get(server.BaseUri, null, TrustBundle.FromPem(ours.TrustBundlePem));
        var call = () => client.CollectionExistsAsync("docs");

        (await call.Should().ThrowAsync<QdrantException>()).Which.Message.Should().Contain("TLS handshake failed").And.Contain("not trusted");
        server.Collections.Names.Should().BeEmpty("no request got through");
    }

    [Fact]
    public async Task The_router_serves_https_with_its_certificate_and_writes_only_to_shards_its_ca_bundle_validates()
    {
        var (ca, shardCertificate) = Issue();
        var routerCertificate = CertificatePlanner.Leaf(CertificateNeeds.Router("search", "docs"), ca, null, null, DateTimeOffset.UtcNow, Lifetimes).Certificate;
        await using var shard = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { Certificate = ServerCertificate(shardCertificate) });
        var collection = Fixtures.Collection(configure: spec => { spec.Dimension = 2; spec.Shards = 1; });
        using (var factory = new CachingQdrantClientFactory(grpcAddress: _ => shard.GrpcUri))
        {
            await factory.Get(shard.BaseUri, null, TrustBundle.FromPem(ca.TrustBundlePem)).CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        }

        var table = RoutingTables.Initial(Fixtures.Input(collection), 1, _ => shard.BaseUri.AbsoluteUri.TrimEnd('/'));
        var options = new RouterOptions
        {
            Collection = "docs",
            Namespace = "search",
            RouterName = "router-tls-0",
            ShardGrpcAddress = _ => shard.GrpcUri,
            TlsCertificateFile = Write("tls.crt", routerCertificate.CertificatePem),
            TlsKeyFile = Write("tls.key", routerCertificate.PrivateKeyPem),
            ShardTrustFile = Write("ca.crt", ca.TrustBundlePem),
        };
        await using var router = await RouterHost.StartAsync(options, new StaticRoutingSource(table));
        using var client = new HttpClient(TrustBundle.FromPem(ca.TrustBundlePem).CreateHandler(TimeSpan.FromMinutes(1))) { BaseAddress = router.BaseUri };

        using var write = await client.PutAsync(new Uri("v1/collections/docs/points", UriKind.Relative),
            new StringContent("""{"points":[{"id":7,"vector":[1,2]}]}""", Encoding.UTF8, "application/json"));

        router.BaseUri.Scheme.Should().Be("https");
        write.IsSuccessStatusCode.Should().BeTrue(await write.Content.ReadAsStringAsync());
        shard.Collections.PointCount("docs").Should().Be(1, "the router wrote to the shard over TLS");
        using var plain = new HttpClient { BaseAddress = router.BaseUri };
        var untrusting = () => plain.GetAsync(new Uri("healthz", UriKind.Relative));
        await untrusting.Should().ThrowAsync<HttpRequestException>("a client without the collection's CA does not trust the router");
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static (AuthorityState Ca, IssuedCertificate Shard) Issue()
    {
        var now = DateTimeOffset.UtcNow;
        var ca = CertificatePlanner.Authority("search/docs", null, now, Lifetimes).State;
        return (ca, CertificatePlanner.Leaf(CertificateNeeds.Shard("search", "docs", 0), ca, null, null, now, Lifetimes).Certificate);
    }

    private static X509Certificate2 ServerCertificate(IssuedCertificate issued)
    {
        using var pem = issued.Load();
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
