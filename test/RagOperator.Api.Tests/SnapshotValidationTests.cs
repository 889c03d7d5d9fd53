using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace RagOperator.Api.Tests;

/// <summary>What the API server refuses for VectorSnapshot, VectorRestore and spec.snapshots of a VectorCollection.</summary>
public sealed class SnapshotValidationTests
{
    private const string S3 = """{"s3":{"endpoint":"http://minio.storage.svc:9000","bucket":"rag-backups","credentialsSecretRef":{"name":"backup-s3"}}}""";
    private const string Pvc = """{"pvc":{"claimName":"backups","path":"team-a/docs"}}""";

    private static JsonObject Object(string kind, string spec) => new()
    {
        ["apiVersion"] = "ragoperator.io/v1alpha1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = "x", ["namespace"] = "default" },
        ["spec"] = JsonNode.Parse(spec),
    };

    /// <summary>Errors of a create, or of an update of the object as stored from <paramref name="oldSpec"/> (defaults applied).</summary>
    private static IReadOnlyList<string> Errors(string kind, string spec, string? oldSpec = null) =>
        CrdSchemas.Admit(Object(kind, spec), oldSpec is null ? null : CrdSchemas.Admit(Object(kind, oldSpec)).Stored).Errors.Select(e => e.ToString()).ToList();

    [Theory]
    [InlineData($$$"""{"collection":"docs","storage":{{{S3}}}}""")]
    [InlineData($$$"""{"collection":"docs","storage":{{{Pvc}}},"deletionPolicy":"Delete"}""")]
    public void Valid_snapshots_are_accepted(string spec)
    {
        Errors("VectorSnapshot", spec).Should().BeEmpty();
    }

    public static TheoryData<string, string> InvalidSnapshots => new()
    {
        { """{"collection":"docs","storage":{}}""", "spec.storage: Invalid value: \"object\": set exactly one of storage.pvc (a PersistentVolumeClaim mounted into the operator) and storage.s3 (an S3-compatible bucket)" },
        { """{"collection":"docs","storage":{"pvc":{"claimName":"b"},"s3":{"endpoint":"http://m:9000","bucket":"bucket","credentialsSecretRef":{"name":"s"}}}}""", "set exactly one of storage.pvc" },
        { """{"collection":"Docs!","storage":{"pvc":{"claimName":"b"}}}""", "spec.collection" },
        { """{"storage":{"pvc":{"claimName":"b"}}}""", "spec.collection: Required value" },
        { """{"collection":"docs","storage":{"pvc":{"claimName":"b","path":"../up"}}}""", "spec.storage.pvc.path" },
        { """{"collection":"docs","storage":{"s3":{"endpoint":"minio:9000","bucket":"b1b","credentialsSecretRef":{"name":"s"}}}}""", "spec.storage.s3.endpoint" },
        { """{"collection":"docs","storage":{"s3":{"endpoint":"http://m:9000","bucket":"Bad_Bucket","credentialsSecretRef":{"name":"s"}}}}""", "spec.storage.s3.bucket" },
        { """{"collection":"docs","storage":{"s3":{"endpoint":"http://m:9000","bucket":"bucket"}}}""", "spec.storage.s3.credentialsSecretRef: Required value" },
        { """{"collection":"docs","storage":{"pvc":{"claimName":"b"}},"deletionPolicy":"Sometimes"}""", "spec.deletionPolicy" },
    };

    [Theory]
    [MemberData(nameof(InvalidSnapshots))]
    public void Invalid_snapshots_are_refused_with_the_field_and_what_to_do(string spec, string expected)
    {
        Errors("VectorSnapshot", spec).Should().Contain(e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_snapshot_spec_cannot_change_once_created()
    {
        Errors("VectorSnapshot", """{"collection":"other","storage":{"pvc":{"claimName":"b"}}}""", """{"collection":"docs","storage":{"pvc":{"claimName":"b"}}}""")
            .Should().Contain(e => e.Contains("spec of a VectorSnapshot is immutable: it is taken once; create a new VectorSnapshot instead", StringComparison.Ordinal));
        Errors("VectorSnapshot", """{"collection":"docs","storage":{"pvc":{"claimName":"b"}}}""", """{"collection":"docs","storage":{"pvc":{"claimName":"b"}}}""")
            .Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"source":{"snapshot":"nightly"},"target":{"name":"docs-copy"}}""")]
    [InlineData("{\"source\":{\"storage\":" + Pvc + ",\"manifest\":\"default/docs/nightly-1a2b3c4d/manifest.json\"},\"target\":{\"name\":\"docs-copy\",\"nodePoolRef\":{\"name\":\"cpu\"}}}")]
    public void Valid_restores_are_accepted(string spec)
    {
        Errors("VectorRestore", spec).Should().BeEmpty();
    }

    public static TheoryData<string, string> InvalidRestores => new()
    {
        { """{"source":{},"target":{"name":"c"}}""", "set exactly one of source.snapshot (a VectorSnapshot in this namespace) and source.storage with source.manifest" },
        { $$$"""{"source":{"snapshot":"s","storage":{{{Pvc}}},"manifest":"m.json"},"target":{"name":"c"}}""", "set exactly one of source.snapshot" },
        { $$$"""{"source":{"storage":{{{Pvc}}}},"target":{"name":"c"}}""", "spec.source.manifest: Invalid value: \"object\": source.storage and source.manifest go together" },
        { """{"source":{"snapshot":"s"},"target":{}}""", "spec.target.name: Required value" },
        { """{"source":{"snapshot":"s"},"target":{"name":"a-name-that-is-far-too-long-for-a-restored-collection"}}""", "spec.target.name" },
    };

    [Theory]
    [MemberData(nameof(InvalidRestores))]
    public void Invalid_restores_are_refused_with_the_field_and_what_to_do(string spec, string expected)
    {
        Errors("VectorRestore", spec).Should().Contain(e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_restore_spec_cannot_change_once_created()
    {
        Errors("VectorRestore", """{"source":{"snapshot":"b"},"target":{"name":"c"}}""", """{"source":{"snapshot":"a"},"target":{"name":"c"}}""")
            .Should().Contain(e => e.Contains("spec of a VectorRestore is immutable", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("30 2 * * *", true)]
    [InlineData("@daily", true)]
    [InlineData("*/15 * * * MON-FRI", true)]
    [InlineData("every day", false)]
    [InlineData("* * * *", false)]
    [InlineData("@sometimes", false)]
    public void A_schedule_must_look_like_five_cron_fields_or_a_macro(string schedule, bool accepted)
    {
        var spec = $$$"""{"dimension":8,"distance":"Cosine","snapshots":{"schedule":"{{{schedule}}}","storage":{{{Pvc}}}}}""";

        var errors = Errors("VectorCollection", spec);

        if (accepted) errors.Should().BeEmpty();
        else errors.Should().Contain(e => e.StartsWith("spec.snapshots.schedule", StringComparison.Ordinal));
    }

    [Fact]
    public void A_schedule_keeps_seven_snapshots_unless_told_otherwise()
    {
        var (stored, errors) = CrdSchemas.Admit(Object("VectorCollection", $$$"""{"dimension":8,"distance":"Cosine","snapshots":{"schedule":"@daily","storage":{{{Pvc}}}}}"""));

        errors.Should().BeEmpty();
        stored["spec"]!["snapshots"]!["retain"]!.GetValue<long>().Should().Be(7);
        Errors("VectorCollection", $$$"""{"dimension":8,"distance":"Cosine","snapshots":{"schedule":"@daily","retain":0,"storage":{{{Pvc}}}}}""")
            .Should().Contain(e => e.StartsWith("spec.snapshots.retain", StringComparison.Ordinal));
    }
}
