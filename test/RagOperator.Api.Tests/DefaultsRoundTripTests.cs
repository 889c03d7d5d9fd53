using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Validation;
using RagOperator.Kubernetes.Models;
using Xunit;

namespace RagOperator.Api.Tests;

/// <summary>
/// The C# initializers are the schema defaults: a manifest deserialized by the operator (System.Text.Json with
/// <see cref="KubernetesJson"/>) and the same manifest defaulted by the API server are the same object.
/// </summary>
public sealed class DefaultsRoundTripTests
{
    public static TheoryData<string> Manifests => new()
    {
        """{"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorCollection","metadata":{"name":"docs"},"spec":{"dimension":8,"distance":"Cosine"}}""",
        """{"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorCollection","metadata":{"name":"docs"},"spec":{"dimension":8,"distance":"Dot","sharding":{"strategy":"semantic"},"quantization":{},"router":{"replicas":3}}}""",
        """{"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorNodePool","metadata":{"name":"gpu"},"spec":{"gpu":{"resourceName":"nvidia.com/gpu"}}}""",
        """{"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorNodePool","metadata":{"name":"cpu"},"spec":{}}""",
    };

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Deserializing_a_manifest_and_defaulting_it_with_the_schema_give_the_same_object(string manifest)
    {
        var kind = JsonNode.Parse(manifest)!["kind"]!.GetValue<string>();
        var type = kind == VectorCollection.KindName ? typeof(VectorCollection) : typeof(VectorNodePool);

        var fromCSharp = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(
            System.Text.Json.JsonSerializer.Deserialize(manifest, type, KubernetesJson.Options), type, KubernetesJson.Options))!;
        var fromSchema = JsonNode.Parse(manifest)!.AsObject();
        SchemaDefaulter.ApplyDefaults(CrdSchemas.For(kind), fromSchema);

        // The generator leaves `false` out of the schema (it is the zero value, and a default of false would only add
        // drift), so the typed object's false booleans are the one thing the schema does not spell out.
        var expected = WithoutFalse(fromCSharp);
        JsonNode.DeepEquals(fromSchema, expected).Should().BeTrue(
            $"schema defaults must equal the C# initializers:\n schema: {fromSchema.ToJsonString()}\n C#:     {expected.ToJsonString()}");
    }

    [Fact]
    public void A_schema_defaulted_collection_deserializes_to_the_initialized_object()
    {
        const string manifest = """{"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorCollection","metadata":{"name":"docs"},"spec":{"dimension":8,"distance":"Cosine"}}""";
        var defaulted = JsonNode.Parse(manifest)!.AsObject();
        SchemaDefaulter.ApplyDefaults(CrdSchemas.For(VectorCollection.KindName), defaulted);

        var collection = KubernetesJson.Deserialize<VectorCollection>(defaulted.ToJsonString());

        KubernetesJson.Serialize(collection).Should().Be(KubernetesJson.Serialize(KubernetesJson.Deserialize<VectorCollection>(manifest)));
        collection.Spec.Sharding.Strategy.Should().Be(ShardingStrategy.Hash);
        collection.Spec.Sharding.Slots.Should().Be(16384);
        collection.Spec.Qdrant.Version.Should().Be("v1.19.0");
    }

    [Fact]
    public void A_full_collection_round_trips_through_kubernetes_json_unchanged()
    {
        var original = new VectorCollection
        {
            Metadata = new ObjectMeta { Name = "docs", Namespace = "default" },
            Spec = new VectorCollectionSpec
            {
                Dimension = 384,
                Distance = Distance.Euclid,
                Shards = 4,
                Sharding = new ShardingSpec { Strategy = ShardingStrategy.Semantic, Slots = 1024 },
                Quantization = new QuantizationSpec { Type = QuantizationType.Product, Compression = ProductCompression.X16 },
                NodePoolRef = new LocalObjectReference { Name = "gpu" },
            },
        };

        var json = KubernetesJson.Serialize(original);
        var (_, errors) = CrdSchemas.Admit(JsonNode.Parse(json)!.AsObject());

        errors.Should().BeEmpty("what the operator writes must be valid");
        KubernetesJson.Serialize(KubernetesJson.Deserialize<VectorCollection>(json)).Should().Be(json);
        json.Should().Contain("\"strategy\":\"semantic\"").And.Contain("\"compression\":\"x16\"").And.Contain("\"distance\":\"Euclid\"");
    }

    private static JsonNode WithoutFalse(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Where(kv => kv.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.False).Select(kv => kv.Key).ToList())
                    obj.Remove(key);
                foreach (var (_, value) in obj)
                {
                    if (value is not null) WithoutFalse(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null) WithoutFalse(item);
                }
                break;
        }
        return node;
    }
}
