using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Validation;
using Xunit;

namespace RagOperator.Api.Tests;

/// <summary>The manifests in config/samples are accepted by the API server as they are written.</summary>
public sealed class SampleTests
{
    private static IReadOnlyList<(string File, JsonObject Document)> Samples()
    {
        var folder = Repository.Path("config", "samples");
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList() : [];
        return files
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => YamlJson.LoadFile(f).Select(d => (Path.GetFileName(f), d)))
            .Where(s => s.d["apiVersion"]?.GetValue<string>()?.StartsWith(ApiGroup.Name + "/", StringComparison.Ordinal) == true)
            .ToList();
    }

    [Fact]
    public void There_is_a_sample_of_each_kind()
    {
        var kinds = Samples().Select(s => s.Document["kind"]!.GetValue<string>()).ToList();

        kinds.Should().Contain(VectorCollection.KindName, "config/samples must hold a VectorCollection");
        kinds.Should().Contain(VectorNodePool.KindName, "config/samples must hold a VectorNodePool");
    }

    [Fact]
    public void Every_sample_validates_against_the_generated_crd_after_defaulting()
    {
        var samples = Samples();
        samples.Should().NotBeEmpty("config/samples must contain ragoperator.io manifests");

        foreach (var (file, document) in samples)
        {
            var (_, errors) = CrdSchemas.Admit(document);

            errors.Select(e => e.ToString()).Should().BeEmpty($"{file} ({document["metadata"]?["name"]}) must be accepted");
            SchemaValidator.ValidateMetadataName(document).Should().BeEmpty($"{file} needs a valid metadata.name");
        }
    }

    [Fact]
    public void No_sample_has_fields_the_api_server_would_silently_drop()
    {
        foreach (var (file, document) in Samples())
        {
            var pruned = document.DeepClone();
            SchemaPruner.Prune(CrdSchemas.For(document["kind"]!.GetValue<string>()), pruned);

            JsonNode.DeepEquals(pruned, document).Should().BeTrue($"{file} has fields that are not in the schema (misspelled?): {document.ToJsonString()}");
        }
    }

    [Fact]
    public void Every_node_pool_a_sample_collection_names_is_among_the_samples()
    {
        var samples = Samples();
        var pools = samples.Where(s => s.Document["kind"]!.GetValue<string>() == VectorNodePool.KindName)
            .Select(s => s.Document["metadata"]!["name"]!.GetValue<string>()).ToHashSet();
        var references = samples.Select(s => s.Document["spec"]?["nodePoolRef"]?["name"]?.GetValue<string>()).OfType<string>().ToList();

        references.Should().NotBeEmpty("one sample collection runs on the sample node pool");
        references.Should().OnlyContain(name => pools.Contains(name));
    }
}
