using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Provisioning;
using RagOperator.Qdrant.Models;
using Xunit;
using QdrantDistance = RagOperator.Qdrant.Models.Distance;

namespace RagOperator.Operator.Tests.Provisioning;

public sealed class CollectionParametersTests
{
    [Fact]
    public void A_new_collection_gets_vectors_hnsw_quantization_and_one_replica_per_pod()
    {
        var spec = Fixtures.Collection(configure: s =>
        {
            s.Dimension = 384;
            s.Distance = Api.V1Alpha1.Distance.Dot;
            s.Replicas = 3;
            s.Hnsw = new HnswSpec { M = 32, EfConstruct = 200, OnDisk = true };
            s.Quantization = new QuantizationSpec { Type = QuantizationType.Scalar, Quantile = 0.99, AlwaysRam = true };
        }).Spec;

        var request = CollectionParameters.Create(spec);

        request.Vectors.Should().Be(new VectorParams(384, QdrantDistance.Dot));
        request.ShardNumber.Should().Be(1);
        request.ReplicationFactor.Should().Be(3);
        request.HnswConfig.Should().Be(new HnswConfigDiff { M = 32, EfConstruct = 200, OnDisk = true });
        request.QuantizationConfig!.Scalar.Should().Be(new ScalarQuantizationConfig { Quantile = 0.99f, AlwaysRam = true });
        CollectionParameters.IndexedFields.Should().Equal("_rag_cell", "_rag_v");
    }

    public static TheoryData<QuantizationSpec, string> Quantizations => new()
    {
        { new QuantizationSpec(), "none" },
        { new QuantizationSpec { Type = QuantizationType.Scalar }, "scalar" },
        { new QuantizationSpec { Type = QuantizationType.Binary, AlwaysRam = false }, "binary" },
        { new QuantizationSpec { Type = QuantizationType.Product, Compression = ProductCompression.X16 }, "product" },
    };

    [Theory]
    [MemberData(nameof(Quantizations))]
    public void Each_quantization_type_maps_to_one_qdrant_variant(QuantizationSpec quantization, string variant)
    {
        var config = CollectionParameters.Quantization(quantization);
        var present = config is null ? "none" : config.Scalar is not null ? "scalar" : config.Binary is not null ? "binary" : config.Product is not null ? "product" : "?";
        present.Should().Be(variant);
        if (variant == "product") config!.Product!.Compression.Should().Be(CompressionRatio.X16);
    }

    private static CollectionInfo Live(ulong size = 8, QdrantDistance distance = QdrantDistance.Cosine, ulong m = 16, ulong ef = 100, bool? onDisk = false,
        QuantizationConfig? quantization = null, uint replication = 1) => new()
    {
        Config = new CollectionConfig
        {
            Params = new CollectionParams { Vectors = new VectorParams(size, distance), ReplicationFactor = replication },
            HnswConfig = new HnswConfig { M = m, EfConstruct = ef, OnDisk = onDisk, FullScanThreshold = 10000 },
            QuantizationConfig = quantization,
        },
        PayloadSchema = new Dictionary<string, PayloadIndexInfo>
        {
            ["_rag_cell"] = new() { DataType = PayloadSchemaType.Integer },
            ["_rag_v"] = new() { DataType = PayloadSchemaType.Integer },
        },
    };

    public static TheoryData<string, Action<VectorCollectionSpec>, CollectionInfo, UpdateCollectionRequest?, int> Diffs => new()
    {
        // case, spec change, live collection, expected patch, differences not applicable in place
        { "unchanged", _ => { }, Live(), null, 0 },
        { "unset on_disk equals false", _ => { }, Live(onDisk: null), null, 0 },
        { "m changed", s => s.Hnsw.M = 48, Live(), new UpdateCollectionRequest { HnswConfig = new HnswConfigDiff { M = 48 } }, 0 },
        { "ef and on_disk changed", s => s.Hnsw = new HnswSpec { M = 16, EfConstruct = 300, OnDisk = true }, Live(),
            new UpdateCollectionRequest { HnswConfig = new HnswConfigDiff { EfConstruct = 300, OnDisk = true } }, 0 },
        { "quantization switched on", s => s.Quantization = new QuantizationSpec { Type = QuantizationType.Binary }, Live(),
            new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.BinaryQuantization() }, 0 },
        { "quantization switched off", _ => { }, Live(quantization: QuantizationConfig.ScalarInt8()),
            new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.Disabled }, 0 },
        { "same scalar quantization", s => s.Quantization = new QuantizationSpec { Type = QuantizationType.Scalar, Quantile = 0.99 },
            Live(quantization: QuantizationConfig.ScalarInt8(0.99f)), null, 0 },
        { "replicas raised", s => s.Replicas = 3, Live(),
            new UpdateCollectionRequest { Params = new CollectionParamsDiff { ReplicationFactor = 3 } }, 0 },
        { "dimension differs", _ => { }, Live(size: 16), null, 1 },
        { "distance and dimension differ, m too", s => s.Hnsw.M = 8, Live(size: 16, distance: QdrantDistance.Euclid),
            new UpdateCollectionRequest { HnswConfig = new HnswConfigDiff { M = 8 } }, 2 },
    };

    [Theory]
    [MemberData(nameof(Diffs))]
    public void A_live_collection_is_patched_only_where_it_differs(
        string description, Action<VectorCollectionSpec> change, CollectionInfo live, UpdateCollectionRequest? patch, int notInPlace)
    {
        var spec = Fixtures.Collection().Spec;
        change(spec);

        var diff = CollectionParameters.Diff(spec, live);

        diff.Patch.Should().BeEquivalentTo(patch, options => options.RespectingRuntimeTypes(), description);
        diff.NotInPlace.Should().HaveCount(notInPlace, description);
        diff.NotInPlace.All(m => m.Contains("cannot change", StringComparison.Ordinal)).Should().BeTrue(description);
    }

    [Fact]
    public void Changing_replicas_patches_only_the_replication_factor_because_the_replica_step_moves_the_data()
    {
        var spec = Fixtures.Collection(configure: s => s.Replicas = 2).Spec;

        var diff = CollectionParameters.Diff(spec, Live());

        diff.Warnings.Should().BeEmpty("the operator replicates the data itself");
        diff.Patch!.Params!.ReplicationFactor.Should().Be(2);
        diff.Patch.Params.WriteConsistencyFactor.Should().BeNull("write_consistency_factor follows the Active replicas, set by the replica step");
    }

    [Fact]
    public void Missing_payload_indexes_are_found()
    {
        var live = Live() with { PayloadSchema = new Dictionary<string, PayloadIndexInfo> { ["_rag_v"] = new() } };
        CollectionParameters.MissingIndexes(live).Should().Equal("_rag_cell");
        CollectionParameters.MissingIndexes(Live()).Should().BeEmpty();
    }
}
