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
using Xunit;

namespace RagOperator.Operator.Tests.Tls;

public sealed class TlsStepTests
{
    private readonly Dictionary<string, Secret> secrets = new(StringComparer.Ordinal);
    private readonly List<string> applied = [];
    private readonly IKubernetesClient client = Substitute.For<IKubernetesClient>();
    private readonly ManualTime time = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

    public TlsStepTests()
    {
        client.GetAsync<Secret>(Arg.Any<string>(), Arg.Any<string?>(), Arg.Any<CancellationToken>())
            .Returns(call => secrets.TryGetValue(call.ArgAt<string>(0), out var secret)
                ? Task.FromResult(secret)
                : Task.FromException<Secret>(new NotFoundException(new Status { Code = 404, Reason = "NotFound" })));
        client.ApplyAsync(Arg.Any<Secret>(), Arg.Any<ApplyOptions>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                var secret = call.Arg<Secret>();
                secrets[secret.Metadata.Name!] = secret;
                applied.Add(secret.Metadata.Name!);
                return Task.FromResult(secret);
            });
    }

    [Fact]
    public async Task A_new_collection_gets_its_ca_a_certificate_per_shard_and_one_for_the_routers_and_a_tls_condition()
    {
        var context = Context(Fixtures.Collection());

        var result = await new TlsStep().RunAsync(context, CancellationToken.None);

        result.Should().Be(StepResult.Continue);
        applied.Should().Equal("docs-ca", "docs-shard-0-tls", "docs-shard-1-tls", "docs-router-tls");
        secrets["docs-shard-0-tls"].Type.Should().Be("kubernetes.io/tls");
        secrets["docs-shard-0-tls"].Data!.Keys.Should().BeEquivalentTo(["tls.crt", "tls.key", "ca.crt"]);
        secrets.Values.Should().OnlyContain(s => Owners.IsControlledBy(s, "uid-docs"));
        context.ShardTrust.Should().NotBeNull();
        context.Facts.Tls!.Certificates!.Select(c => (c.Secret, c.Role)).Should().Equal(
            ("docs-ca", "CA"), ("docs-shard-0-tls", "Shard"), ("docs-shard-1-tls", "Shard"), ("docs-router-tls", "Router"));
        context.Facts.Tls.Certificates!.Should().OnlyContain(c => c.RenewAt < c.NotAfter);
        var condition = context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Tls);
        (condition.Status, condition.Reason).Should().Be(("True", Reasons.CertificatesValid));
        condition.Message.Should().Contain("docs-ca");
    }

    [Fact]
    public async Task A_reconcile_of_unchanged_certificates_writes_nothing_and_one_past_the_renewal_time_renews_them()
    {
        await new TlsStep().RunAsync(Context(Fixtures.Collection()), CancellationToken.None);
        applied.Clear();

        await new TlsStep().RunAsync(Context(Fixtures.Collection()), CancellationToken.None);
        applied.Should().BeEmpty("certificates far from expiry are left alone");

        time.Advance(TimeSpan.FromDays(61));
        await new TlsStep().RunAsync(Context(Fixtures.Collection()), CancellationToken.None);
        applied.Should().Equal("docs-shard-0-tls", "docs-shard-1-tls", "docs-router-tls");
    }

    [Fact]
    public async Task A_secret_of_that_name_that_belongs_to_someone_else_blocks_the_collection_and_is_left_alone()
    {
        secrets["docs-ca"] = new Secret { Metadata = new ObjectMeta { Name = "docs-ca", Namespace = "search" } };
        var context = Context(Fixtures.Collection());

        var result = await new TlsStep().RunAsync(context, CancellationToken.None);

        result.Outcome.Should().Be(StepOutcome.Requeue);
        applied.Should().BeEmpty();
        context.Facts.Blockers.Should().ContainSingle().Which.Message.Should().Contain("Secret docs-ca").And.Contain("spec.tls.mode: Disabled");
    }

    [Fact]
    public async Task With_tls_disabled_no_certificate_is_issued_and_the_condition_says_traffic_is_clear_text()
    {
        var context = Context(Fixtures.Collection(configure: spec => spec.Tls.Mode = TlsMode.Disabled));

        await new TlsStep().RunAsync(context, CancellationToken.None);

        applied.Should().BeEmpty();
        context.ShardTrust.Should().BeNull();
        context.Facts.Tls!.Mode.Should().Be("Disabled");
        var condition = context.Facts.ExtraConditions.Single(c => c.Type == ConditionTypes.Tls);
        (condition.Status, condition.Reason).Should().Be(("False", Reasons.TlsDisabled));
        condition.Message.Should().Contain("clear text");
    }

    private ReconcileContext Context(VectorCollection collection)
    {
        var services = new OperatorServices(client, new DictionaryView(), new OperatorSettings(), new DefaultShardEndpointResolver(),
            Substitute.For<IQdrantClientFactory>(), Substitute.For<IRouterAcks>(), NullEventSink.Instance, time);
        return new ReconcileContext(collection, services, "test", NullLogger.Instance);
    }
}
