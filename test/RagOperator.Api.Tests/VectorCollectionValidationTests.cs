using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.Api.Tests;

/// <summary>Invalid VectorCollection specs are rejected by the generated CRD with a message that names the field.</summary>
public sealed class VectorCollectionValidationTests
{
    private static JsonObject Collection(string spec, string? status = null)
    {
        var obj = new JsonObject
        {
            ["apiVersion"] = "ragoperator.io/v1alpha1",
            ["kind"] = "VectorCollection",
            ["metadata"] = new JsonObject { ["name"] = "docs", ["namespace"] = "default" },
            ["spec"] = JsonNode.Parse(spec),
        };
        if (status is not null) obj["status"] = JsonNode.Parse(status);
        return obj;
    }

    private static IReadOnlyList<FieldError> Create(string spec) => CrdSchemas.Admit(Collection(spec)).Errors;

    /// <summary>Stores <paramref name="oldSpec"/> (defaulted, as the server keeps it), then updates its spec.</summary>
    private static IReadOnlyList<FieldError> Update(string oldSpec, string newSpec, string? status = null)
    {
        var (stored, createErrors) = CrdSchemas.Admit(Collection(oldSpec, status));
        createErrors.Should().BeEmpty("the original object is valid");
        // The status subresource is enabled: an update of the object keeps the stored status.
        return CrdSchemas.Admit(Collection(newSpec, stored["status"]?.ToJsonString()), stored).Errors;
    }

    public static TheoryData<string, string, string> InvalidSpecs => new()
    {
        // spec, the field the error names, a fragment of its message
        { """{"dimension":0,"distance":"Cosine"}""", "spec.dimension", "Invalid value: 0: spec.dimension in body should be greater than or equal to 1" },
        { """{"dimension":70000,"distance":"Cosine"}""", "spec.dimension", "Invalid value: 70000: spec.dimension in body should be less than or equal to 65536" },
        { """{"dimension":8,"distance":"Cosine","shards":0}""", "spec.shards", "Invalid value: 0: spec.shards in body should be greater than or equal to 1" },
        { """{"dimension":8,"distance":"Cosine","shards":2000}""", "spec.shards", "Invalid value: 2000: spec.shards in body should be less than or equal to 1024" },
        { """{"dimension":8,"distance":"Hamming"}""", "spec.distance", "Unsupported value: \"Hamming\": supported values: \"Cosine\", \"Dot\", \"Euclid\", \"Manhattan\"" },
        { """{"dimension":8,"distance":"Cosine","shards":64,"sharding":{"slots":32}}""", "spec.sharding.slots", "spec.sharding.slots must be greater than or equal to spec.shards" },
        { """{"dimension":8,"distance":"Cosine","replicas":10}""", "spec.replicas", "Invalid value: 10: spec.replicas in body should be less than or equal to 9" },
        { """{"dimension":8,"distance":"Cosine","quantization":{"type":"scalar","compression":"x16"}}""", "spec.quantization.compression", "spec.quantization.compression applies only to type product" },
        { """{"dimension":8,"distance":"Cosine","quantization":{"type":"product","quantile":0.9}}""", "spec.quantization.quantile", "spec.quantization.quantile applies only to type scalar" },
        { """{"dimension":8,"distance":"Cosine","sharding":{"strategy":"range"}}""", "spec.sharding.strategy", "Unsupported value: \"range\": supported values: \"hash\", \"semantic\"" },
        { """{"dimension":8,"distance":"Cosine","storage":{"size":"ten gigs"}}""", "spec.storage.size", "spec.storage.size in body should match" },
        { """{"dimension":8,"distance":"Cosine","qdrant":{"version":"latest"}}""", "spec.qdrant.version", "spec.qdrant.version in body should match '^v[0-9]+\\.[0-9]+\\.[0-9]+$'" },
        { """{"dimension":"eight","distance":"Cosine"}""", "spec.dimension", "spec.dimension in body must be of type integer: \"string\"" },
        { """{"distance":"Cosine"}""", "spec.dimension", "Required value" },
        { """{"dimension":8,"distance":"Cosine","resources":{"requests":{"cpu":"lots"}}}""", "spec.resources.requests.cpu", "should match" },
        { """{"dimension":8,"distance":"Cosine","router":{"allowedFrom":[{"podSelector":{}},{}]}}""", "spec.router.allowedFrom[1]", "a network peer needs a namespaceSelector, a podSelector or both" },
        { """{"dimension":8,"distance":"Cosine","networkPolicy":{"metricsFrom":[{"namespaceSelector":{"matchExpressions":[{"operator":"Exists"}]}}]}}""", "spec.networkPolicy.metricsFrom[0].namespaceSelector.matchExpressions[0].key", "Required value" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void An_invalid_spec_is_rejected_with_a_message_that_names_the_field(string spec, string field, string message)
    {
        var errors = Create(spec);

        errors.Should().Contain(e => e.Field == field && e.Message.Contains(message),
            "the API server must reject {0}; it said: {1}", spec, string.Join(" | ", errors));
    }

    [Fact]
    public void A_minimal_spec_is_accepted_and_defaulted()
    {
        var (stored, errors) = CrdSchemas.Admit(Collection("""{"dimension":8,"distance":"Cosine"}"""));

        errors.Should().BeEmpty();
        stored["spec"]!["shards"]!.GetValue<long>().Should().Be(1);
        stored["spec"]!["sharding"]!["strategy"]!.GetValue<string>().Should().Be("hash");
        stored["spec"]!["sharding"]!["slots"]!.GetValue<long>().Should().Be(16384);
        stored["spec"]!["router"]!["replicas"]!.GetValue<long>().Should().Be(2);
    }

    [Theory]
    [InlineData("""{"dimension":16,"distance":"Cosine"}""", "spec.dimension", "spec.dimension is immutable")]
    [InlineData("""{"dimension":8,"distance":"Dot"}""", "spec.distance", "spec.distance is immutable")]
    [InlineData("""{"dimension":8,"distance":"Cosine","sharding":{"slots":1024}}""", "spec.sharding.slots", "spec.sharding.slots is immutable")]
    public void Changing_an_immutable_field_on_update_is_rejected(string newSpec, string field, string message)
    {
        var errors = Update("""{"dimension":8,"distance":"Cosine"}""", newSpec);

        errors.Select(e => e.ToString()).Should().Equal($"{field}: Invalid value: \"{(field == "spec.distance" ? "string" : "integer")}\": {message}; {Advice(field)}");
    }

    private static string Advice(string field) => field == "spec.sharding.slots" ? "it fixes the cell of every point" : "create a new collection to change it";

    [Fact]
    public void Mutable_fields_change_freely_on_update()
    {
        Update("""{"dimension":8,"distance":"Cosine"}""", """{"dimension":8,"distance":"Cosine","shards":4,"replicas":3}""").Should().BeEmpty();
    }

    [Fact]
    public void The_sharding_strategy_cannot_change_while_a_migration_is_copying()
    {
        var errors = Update(
            """{"dimension":8,"distance":"Cosine","shards":2}""",
            """{"dimension":8,"distance":"Cosine","shards":2,"sharding":{"strategy":"semantic"}}""",
            """{"migration":{"phase":"Copying","fromShards":2,"toShards":4}}""");

        errors.Should().ContainSingle().Which.Should().Match<FieldError>(e =>
            e.Field == "spec.sharding.strategy" && e.Message.Contains("cannot change while a migration is running"));
    }

    [Theory]
    [InlineData("""{"migration":{"phase":"Done","fromShards":2,"toShards":4}}""")]
    [InlineData("""{"migration":{"phase":"RolledBack","fromShards":2,"toShards":4}}""")]
    [InlineData("""{"phase":"Ready"}""")]
    [InlineData(null)]
    public void The_sharding_strategy_may_change_when_no_migration_is_running(string? status)
    {
        Update(
            """{"dimension":8,"distance":"Cosine","shards":2}""",
            """{"dimension":8,"distance":"Cosine","shards":2,"sharding":{"strategy":"semantic"}}""",
            status).Should().BeEmpty();
    }

    [Fact]
    public void Product_quantization_with_a_compression_is_accepted()
    {
        Create("""{"dimension":8,"distance":"Cosine","quantization":{"type":"product","compression":"x16"}}""").Should().BeEmpty();
    }

    public static TheoryData<string, string, string> InvalidTlsSpecs => new()
    {
        // spec.tls, the field the error names, a fragment of its message
        { """{"mode":"CertManager"}""", "spec.tls", "spec.tls.issuerRef is required with mode CertManager: name the cert-manager Issuer or ClusterIssuer" },
        { """{"mode":"Operator","issuerRef":{"name":"internal-ca"}}""", "spec.tls", "spec.tls.issuerRef is used only with mode CertManager; remove it or set mode: CertManager" },
        { """{"issuerRef":{"name":"internal-ca"}}""", "spec.tls", "spec.tls.issuerRef is used only with mode CertManager" },
        { """{"mode":"Secret"}""", "spec.tls", "spec.tls.secrets is required with mode Secret: name the kubernetes.io/tls Secrets" },
        { """{"mode":"CertManager","issuerRef":{"name":"internal-ca"},"secrets":{"shards":"corp-shards","router":"corp-router"}}""", "spec.tls", "spec.tls.secrets is used only with mode Secret; remove it or set mode: Secret" },
        { """{"mode":"Disabled","secrets":{"shards":"corp-shards","router":"corp-router"}}""", "spec.tls", "spec.tls.secrets is used only with mode Secret" },
        { """{"mode":"Mutual"}""", "spec.tls.mode", "Unsupported value: \"Mutual\": supported values: \"Operator\", \"CertManager\", \"Secret\", \"Disabled\"" },
        { """{"mode":"CertManager","issuerRef":{"name":"internal-ca","kind":"Vault"}}""", "spec.tls.issuerRef.kind", "Unsupported value: \"Vault\": supported values: \"Issuer\", \"ClusterIssuer\"" },
        { """{"mode":"CertManager","issuerRef":{"kind":"ClusterIssuer"}}""", "spec.tls.issuerRef.name", "Required value" },
        { """{"mode":"Secret","secrets":{"shards":"corp-shards"}}""", "spec.tls.secrets.router", "Required value" },
        { """{"mode":"Secret","secrets":{"shards":"Corp_Shards","router":"corp-router"}}""", "spec.tls.secrets.shards", "should match" },
    };

    [Theory]
    [MemberData(nameof(InvalidTlsSpecs))]
    public void An_invalid_tls_spec_is_rejected_with_a_message_that_names_the_field(string tls, string field, string message)
    {
        var spec = $$"""{"dimension":8,"distance":"Cosine","tls":{{tls}}}""";

        var errors = Create(spec);

        errors.Should().Contain(e => e.Field == field && e.Message.Contains(message),
            "the API server must reject {0}; it said: {1}", spec, string.Join(" | ", errors));
    }

    [Theory]
    [InlineData("""{"mode":"CertManager","issuerRef":{"name":"internal-ca"}}""")]
    [InlineData("""{"mode":"CertManager","issuerRef":{"name":"corp-ca","kind":"ClusterIssuer","group":"awspca.cert-manager.io"}}""")]
    [InlineData("""{"mode":"Secret","secrets":{"shards":"corp-shards","router":"corp-router"}}""")]
    [InlineData("""{"mode":"Operator"}""")]
    [InlineData("""{"mode":"Disabled"}""")]
    [InlineData("{}")]
    public void A_valid_tls_spec_is_accepted(string tls)
    {
        Create($$"""{"dimension":8,"distance":"Cosine","tls":{{tls}}}""").Should().BeEmpty();
    }

    [Fact]
    public void Tls_defaults_to_mode_operator_and_an_issuer_to_a_cert_manager_issuer()
    {
        var (plain, plainErrors) = CrdSchemas.Admit(Collection("""{"dimension":8,"distance":"Cosine"}"""));
        var (certManager, certManagerErrors) = CrdSchemas.Admit(Collection("""{"dimension":8,"distance":"Cosine","tls":{"mode":"CertManager","issuerRef":{"name":"internal-ca"}}}"""));

        plainErrors.Should().BeEmpty();
        certManagerErrors.Should().BeEmpty();
        plain["spec"]!["tls"]!["mode"]!.GetValue<string>().Should().Be("Operator");
        certManager["spec"]!["tls"]!["issuerRef"]!.ToJsonString().Should().Be("""{"name":"internal-ca","kind":"Issuer","group":"cert-manager.io"}""");
    }

    [Fact]
    public void Switching_from_mode_operator_to_cert_manager_on_update_needs_only_the_issuer()
    {
        Update("""{"dimension":8,"distance":"Cosine"}""",
            """{"dimension":8,"distance":"Cosine","tls":{"mode":"CertManager","issuerRef":{"name":"internal-ca"}}}""").Should().BeEmpty();
        Update("""{"dimension":8,"distance":"Cosine"}""", """{"dimension":8,"distance":"Cosine","tls":{"mode":"CertManager"}}""")
            .Should().ContainSingle(e => e.Field == "spec.tls");
    }

    [Fact]
    public void Several_errors_are_reported_together_in_one_invalid_status_message()
    {
        var errors = Create("""{"dimension":0,"distance":"Cosine","shards":2000}""");

        FieldError.FormatInvalid("VectorCollection.ragoperator.io", "docs", errors).Should().Be(
            "VectorCollection.ragoperator.io \"docs\" is invalid: [spec.dimension: Invalid value: 0: spec.dimension in body should be greater than or equal to 1, " +
            "spec.shards: Invalid value: 2000: spec.shards in body should be less than or equal to 1024]");
    }
}
