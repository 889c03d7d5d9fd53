using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Operator.Seams;
using RagOperator.Operator.Tests.Reconciliation;
using RagOperator.Operator.Tls;
using Xunit;

namespace RagOperator.Operator.Tests.Tls;

/// <summary>The TLS step with certificates the operator does not issue: cert-manager's, and the user's own Secrets.</summary>
public sealed class TlsModesStepTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<string, Secret> secrets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CertManagerCertificate> certificates = new(StringComparer.Ordinal);
    private readonly List<string> applied = [];
    private readonly IKubernetesClient client = Substitute.For<IKubernetesClient>();
    private readonly AuthorityState issuer = CertificatePlanner.Authority("issuer", null, Now, CertificateLifetimes.Default).State;
    private bool certManagerInstalled = true;

    public TlsModesStepTests()
    {
        client.GetAsync<Secret>(Arg.Any<string>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .Returns(call => secrets.TryGetValue(call.ArgAt<string>(0), out var secret) ? Task.FromResult(secret) : Task.FromException<Secret>(NotFound()));
        client.GetAsync<CertManagerCertificate>(Arg.Any<string>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .Returns(call => certificates.TryGetValue(call.ArgAt<string>(0), out var certificate)
                ? Task.FromResult(certificate)
                : Task.FromException<CertManagerCertificate>(NotFound()));
        client.ApplyAsync(Arg.Any<CertManagerCertificate>(), Arg.Any<ApplyOptions>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                if (!certManagerInstalled) return Task.FromException<CertManagerCertificate>(NotFound());
                var certificate = call.Arg<CertManagerCertificate>();
                certificates[certificate.Metadata.Name!] = certificate;
                applied.Add(certificate.Metadata.Name!);
                return Task.FromResult(certificate);
            });
    }

    [Fact]
    public async Task With_cert_manager_the_operator_asks_for_each_certificate_and_waits_for_the_secrets_without_blocking_the_workloads()
    {
        var context = Context(CertManagerCollection());

        var result = await new TlsStep().RunAsync(context, CancellationToken.None);

        result.Should().Be(StepResult.Continue);
        applied.Should().Equal("docs-shard-0-tls", "docs-shard-1-tls", "docs-router-tls");
        certificates.Values.Should().OnlyContain(c => c.Spec.IssuerRef.Name == "corp-ca" && c.Spec.IssuerRef.Kind == "ClusterIssuer" && Owners.IsControlledBy(c, "uid-docs"));
        context.Facts.Blockers.Should().BeEmpty("pods wait for their Secret as in any cluster");
        context.Facts.RequeueAfter.Should().NotBeNull("cert-manager is not watched, so the step looks again soon");
        var condition = context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Tls);
        (condition.Status, condition.Reason).Should().Be(("False", Reasons.CertificatesPending));
        condition.Message.Should().Contain("ClusterIssuer corp-ca").And.Contain("Secret docs-shard-0-tls does not exist");
    }

    [Fact]
    public async Task With_cert_manager_the_secrets_it_wrote_are_checked_trusted_and_reported_and_an_unchanged_request_is_not_written_again()
    {
        await new TlsStep().RunAsync(Context(CertManagerCollection()), CancellationToken.None);
        foreach (var need in Needs()) secrets[need.SecretName] = Issued(need.SecretName, need, issuer.Current, issuer.TrustBundlePem);
        certificates["docs-router-tls"].Status = new CertManagerCertificateStatus
        {
            Conditions = [new Condition { Type = "Ready", Status = "False", Reason = "Issuing", Message = "renewing" }],
        };
        applied.Clear();
        var context = Context(CertManagerCollection());

        await new TlsStep().RunAsync(context, CancellationToken.None);

        applied.Should().BeEmpty();
        context.ShardTrust!.Pem.Should().Be(issuer.TrustBundlePem);
        context.Facts.Tls!.Mode.Should().Be("CertManager");
        context.Facts.Tls.Certificates!.Select(c => c.Secret).Should().Equal("docs-shard-0-tls", "docs-shard-1-tls", "docs-router-tls");
        var condition = context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Tls);
        (condition.Status, condition.Reason).Should().Be(("True", Reasons.CertificatesValid));
        condition.Message.Should().Contain("cert-manager reports Certificate docs-router-tls: Issuing: renewing", "a renewal cert-manager struggles with is shown while the current certificate still serves");
    }

    [Fact]
    public async Task While_cert_manager_moves_the_certificates_to_a_new_issuer_ca_shards_serving_either_are_trusted()
    {
        var next = CertificatePlanner.Authority("issuer next", null, Now, CertificateLifetimes.Default).State;
        await new TlsStep().RunAsync(Context(CertManagerCollection()), CancellationToken.None);
        var needs = Needs().ToList();
        secrets[needs[0].SecretName] = Issued(needs[0].SecretName, needs[0], next.Current, next.TrustBundlePem);
        foreach (var need in needs.Skip(1)) secrets[need.SecretName] = Issued(need.SecretName, need, issuer.Current, issuer.TrustBundlePem);
        var context = Context(CertManagerCollection());

        await new TlsStep().RunAsync(context, CancellationToken.None);

        context.ShardTrust!.Roots.Select(r => r.Thumbprint).Should().BeEquivalentTo(
            [next.Current.Load().Thumbprint, issuer.Current.Load().Thumbprint]);
    }

    [Fact]
    public async Task With_cert_manager_not_installed_the_collection_is_blocked_with_what_to_do()
    {
        certManagerInstalled = false;
        var context = Context(CertManagerCollection());

        var result = await new TlsStep().RunAsync(context, CancellationToken.None);

        result.Outcome.Should().Be(StepOutcome.Requeue);
        context.Facts.Blockers.Should().ContainSingle().Which.Should().Match<Blocker>(b =>
            b.Reason == Reasons.CertManagerMissing && b.Message.Contains("install cert-manager", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_users_secrets_covering_every_shard_by_wildcard_the_collection_serves_them()
    {
        var shardNames = new[] { "*.search.svc", "*.docs-shard-0-headless.search.svc", "*.docs-shard-1-headless.search.svc" };
        secrets["my-shards"] = Issued("my-shards", new CertificateNeed("my-shards", "docs shards", shardNames), issuer.Current, issuer.TrustBundlePem);
        secrets["my-router"] = Issued("my-router", new CertificateNeed("my-router", "docs router", ["docs-router.search.svc"]), issuer.Current, issuer.TrustBundlePem);
        var context = Context(SecretCollection());

        var result = await new TlsStep().RunAsync(context, CancellationToken.None);

        result.Should().Be(StepResult.Continue);
        context.Facts.Blockers.Should().BeEmpty();
        applied.Should().BeEmpty("the operator never writes the user's Secrets");
        context.ShardTrust!.Pem.Should().Be(issuer.TrustBundlePem);
        context.Facts.Tls!.Certificates!.Select(c => (c.Secret, c.Role)).Should().Equal(("my-shards", "Shard"), ("my-router", "Router"));
        context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Tls).Message.Should().Contain("the operator does not renew them");
    }

    [Fact]
    public async Task A_users_shard_certificate_that_misses_a_shards_names_blocks_the_collection_naming_them()
    {
        secrets["my-shards"] = Issued("my-shards", new CertificateNeed("my-shards", "docs shards", ["docs-shard-0.search.svc"]), issuer.Current, issuer.TrustBundlePem);
        secrets["my-router"] = Issued("my-router", new CertificateNeed("my-router", "docs router", ["docs-router.search.svc"]), issuer.Current, issuer.TrustBundlePem);
        var context = Context(SecretCollection());

        var result = await new TlsStep().RunAsync(context, CancellationToken.None);

        result.Outcome.Should().Be(StepOutcome.Requeue);
        var blocker = context.Facts.Blockers.Should().ContainSingle().Subject;
        blocker.Reason.Should().Be(Reasons.InvalidTlsSecret);
        blocker.Message.Should().Contain("Secret my-shards does not name")
            .And.Contain("docs-shard-0-0.docs-shard-0-headless.search.svc")
            .And.Contain("docs-shard-1.search.svc");
    }

    [Fact]
    public async Task A_router_secret_whose_ca_bundle_does_not_hold_the_shards_ca_blocks_the_collection()
    {
        var other = CertificatePlanner.Authority("other", null, Now, CertificateLifetimes.Default).State;
        var shardNames = new[] { "*.search.svc", "*.docs-shard-0-headless.search.svc", "*.docs-shard-1-headless.search.svc" };
        secrets["my-shards"] = Issued("my-shards", new CertificateNeed("my-shards", "docs shards", shardNames), issuer.Current, issuer.TrustBundlePem);
        secrets["my-router"] = Issued("my-router", new CertificateNeed("my-router", "docs router", ["docs-router.search.svc"]), other.Current, other.TrustBundlePem);
        var context = Context(SecretCollection());

        await new TlsStep().RunAsync(context, CancellationToken.None);

        context.Facts.Blockers.Should().ContainSingle().Which.Message.Should().Contain("routers verify shards against ca.crt of Secret my-router");
    }

    [Fact]
    public async Task A_missing_user_secret_blocks_the_collection_and_says_which()
    {
        var context = Context(SecretCollection());

        await new TlsStep().RunAsync(context, CancellationToken.None);

        context.Facts.Blockers.Select(b => b.Message).Should().Equal(
            "spec.tls.secrets: Secret my-shards does not exist", "spec.tls.secrets: Secret my-router does not exist");
    }

    private static NotFoundException NotFound() => new(new Status { Code = 404, Reason = "NotFound" });

    private static VectorCollection CertManagerCollection() => Fixtures.Collection(configure: spec => spec.Tls = new TlsSpec
    {
        Mode = TlsMode.CertManager,
        IssuerRef = new CertificateIssuerReference { Name = "corp-ca", Kind = CertificateIssuerKind.ClusterIssuer },
    });

    private static VectorCollection SecretCollection() => Fixtures.Collection(configure: spec => spec.Tls = new TlsSpec
    {
        Mode = TlsMode.Secret,
        Secrets = new TlsSecrets { Shards = "my-shards", Router = "my-router" },
    });

    private static IEnumerable<CertificateNeed> Needs() =>
        [CertificateNeeds.Shard("search", "docs", 0), CertificateNeeds.Shard("search", "docs", 1), CertificateNeeds.Router("search", "docs")];

    private static Secret Issued(string name, CertificateNeed need, IssuedCertificate ca, string bundle)
    {
        var leaf = CertificateIssuer.IssueLeaf(ca, need.CommonName, need.DnsNames, Now, TimeSpan.FromDays(90));
        return new Secret
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "search" },
            Type = TlsSecretBuilder.TlsType,
            Data = new Dictionary<string, byte[]>
            {
                [TlsSecretBuilder.CertificateKey] = Encoding.UTF8.GetBytes(leaf.CertificatePem),
                [TlsSecretBuilder.PrivateKeyKey] = Encoding.UTF8.GetBytes(leaf.PrivateKeyPem),
                [TlsSecretBuilder.TrustBundleKey] = Encoding.UTF8.GetBytes(bundle),
            },
        };
    }

    private ReconcileContext Context(VectorCollection collection)
    {
        var services = new OperatorServices(client, new DictionaryView(), new OperatorSettings(), new DefaultShardEndpointResolver(),
            Substitute.For<IQdrantClientFactory>(), Substitute.For<IRouterAcks>(), NullEventSink.Instance, new ManualTime(Now + TimeSpan.FromHours(1)));
        return new ReconcileContext(collection, services, "test", NullLogger.Instance);
    }
}
