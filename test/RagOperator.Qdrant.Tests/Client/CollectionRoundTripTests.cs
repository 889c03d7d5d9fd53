using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class CollectionRoundTripTests
{
    [Fact]
    public async Task A_created_collection_reports_its_vector_hnsw_and_quantization_settings()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;

        await client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(384, Distance.Cosine))
        {
            HnswConfig = new HnswConfigDiff { M = 32, EfConstruct = 256, OnDisk = true },
            QuantizationConfig = QuantizationConfig.ScalarInt8(quantile: 0.99f, alwaysRam: true),
            OptimizersConfig = new OptimizersConfigDiff { IndexingThreshold = 20000 },
            ReplicationFactor = 2,
        });

        var info = await client.GetCollectionAsync("docs");
        info.Status.Should().Be(CollectionStatus.Green);
        info.OptimizerStatus.IsOk.Should().BeTrue();
        info.PointsCount.Should().Be(0);
        info.Config.Params.Vectors.Should().Be(new VectorParams(384, Distance.Cosine));
        info.Config.Params.ReplicationFactor.Should().Be(2);
        info.Config.HnswConfig.M.Should().Be(32);
        info.Config.HnswConfig.EfConstruct.Should().Be(256);
        info.Config.HnswConfig.OnDisk.Should().BeTrue();
        info.Config.QuantizationConfig!.Scalar.Should().Be(new ScalarQuantizationConfig { Quantile = 0.99f, AlwaysRam = true });
        info.Config.OptimizerConfig!["indexing_threshold"]!.GetValue<long>().Should().Be(20000);
        (await client.CollectionExistsAsync("docs")).Should().BeTrue();
        (await client.CollectionExistsAsync("other")).Should().BeFalse();
    }

    [Fact]
    public async Task Updating_a_collection_changes_hnsw_and_swaps_or_disables_quantization()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;
        await client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(8, Distance.Dot)));

        await client.UpdateCollectionAsync("docs", new UpdateCollectionRequest
        {
            HnswConfig = new HnswConfigDiff { M = 48 },
            QuantizationConfig = QuantizationConfig.ProductQuantization(CompressionRatio.X16, alwaysRam: false),
        });
        var updated = await client.GetCollectionAsync("docs");
        updated.Config.HnswConfig.M.Should().Be(48);
        updated.Config.HnswConfig.EfConstruct.Should().Be(100, "unset fields keep their value");
        updated.Config.QuantizationConfig!.Product!.Compression.Should().Be(CompressionRatio.X16);

        await client.UpdateCollectionAsync("docs", new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.BinaryQuantization(true) });
        (await client.GetCollectionAsync("docs")).Config.QuantizationConfig!.Binary!.AlwaysRam.Should().BeTrue();

        await client.UpdateCollectionAsync("docs", new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.Disabled });
        (await client.GetCollectionAsync("docs")).Config.QuantizationConfig.Should().BeNull();
        harness.Server.Collections.Quantization("docs").Should().BeNull();
    }

    [Fact]
    public async Task A_payload_index_shows_in_the_schema_with_the_count_of_points_it_covers()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;
        await client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(4, Distance.Euclid)));
        await client.UpsertAsync("docs", TestVectors.Points(10, 4, seed: 3, i => i < 7 ? new() { ["_rag_cell"] = i } : new() { ["other"] = "x" }));

        var result = await client.CreatePayloadIndexAsync("docs", "_rag_cell", PayloadSchemaType.Integer);

        result.Status.Should().Be(UpdateStatus.Completed);
        var info = await client.GetCollectionAsync("docs");
        info.PayloadSchema.Should().ContainKey("_rag_cell");
        info.PayloadSchema["_rag_cell"].DataType.Should().Be(PayloadSchemaType.Integer);
        info.PayloadSchema["_rag_cell"].Points.Should().Be(7);
        harness.Server.Collections.PayloadIndexes("docs").Should().Equal(new Dictionary<string, string> { ["_rag_cell"] = "integer" });
    }

    [Fact]
    public async Task Deleting_a_collection_returns_true_once_and_false_when_it_is_gone()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;
        await client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(4, Distance.Dot)));

        (await client.DeleteCollectionAsync("docs")).Should().BeTrue();
        (await client.DeleteCollectionAsync("docs")).Should().BeFalse();
        harness.Server.Collections.Exists("docs").Should().BeFalse();
    }

    [Fact]
    public async Task Creating_an_existing_collection_is_a_conflict_carrying_qdrants_message()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;
        await client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(4, Distance.Dot)));

        var act = () => client.CreateCollectionAsync("docs", new CreateCollectionRequest(new VectorParams(4, Distance.Dot)));

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsConflict.Should().BeTrue();
        error.IsTransient.Should().BeFalse();
        error.QdrantMessage.Should().Be("Wrong input: Collection `docs` already exists!");
    }

    [Fact]
    public async Task Reading_a_missing_collection_is_not_found_with_qdrants_message()
    {
        await using var harness = await QdrantHarness.StartAsync();

        var act = () => harness.Client.GetCollectionAsync("nope");

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsNotFound.Should().BeTrue();
        error.QdrantMessage.Should().Be("Not found: Collection `nope` doesn't exist!");
        error.Message.Should().Contain(harness.Server.BaseUri.ToString()).And.Contain("get_collection");
    }
}
