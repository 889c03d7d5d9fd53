using System.Security.Cryptography;
using System.Text.Json.Nodes;
using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class SnapshotTests
{
    [Fact]
    public async Task A_snapshot_recovered_on_another_shard_answers_searches_identically()
    {
        await using var source = await QdrantHarness.StartAsync(new InProcessQdrantOptions { ApiKey = "source-key" });
        await using var target = await QdrantHarness.StartAsync(new InProcessQdrantOptions { ApiKey = "target-key" });
        var points = TestVectors.Points(300, 8, seed: 31, i => new JsonObject { ["_rag_cell"] = i % 7 });
        await source.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(8, Distance.Cosine))
        {
            QuantizationConfig = QuantizationConfig.ScalarInt8(0.9f),
        });
        await source.Client.CreatePayloadIndexAsync("c", "_rag_cell", PayloadSchemaType.Integer);
        await source.Client.UpsertAsync("c", points);

        var snapshot = await source.Client.CreateSnapshotAsync("c");
        await target.Client.RecoverSnapshotAsync("restored", new SnapshotRecoverRequest(source.Client.SnapshotUri("c", snapshot.Name))
        {
            ApiKey = "source-key",
            Checksum = snapshot.Checksum,
            Priority = SnapshotPriority.Snapshot,
        });

        var query = TestVectors.Random(new Random(4), 8);
        var expected = await source.Client.SearchAsync("c", new SearchRequest(query, 10) { WithPayload = true });
        var actual = await target.Client.SearchAsync("restored", new SearchRequest(query, 10) { WithPayload = true });
        actual.Select(Describe).Should().Equal(expected.Select(Describe));
        actual.Should().HaveCount(10);
        var info = await target.Client.GetCollectionAsync("restored");
        info.PointsCount.Should().Be(300);
        info.Config.QuantizationConfig!.Scalar!.Quantile.Should().Be(0.9f);
        info.PayloadSchema.Should().ContainKey("_rag_cell");
    }

    private static string Describe(ScoredPoint hit) => $"{hit.Id} {hit.Version} {hit.Score} {hit.Payload!.ToJsonString()}";

    [Fact]
    public async Task Snapshots_are_listed_downloaded_with_their_checksum_and_deleted()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        await harness.Client.UpsertAsync("c", TestVectors.Points(5, 2, seed: 2));

        var first = await harness.Client.CreateSnapshotAsync("c");
        var second = await harness.Client.CreateSnapshotAsync("c");
        var listed = await harness.Client.ListSnapshotsAsync("c");
        var bytes = await harness.Client.DownloadSnapshotAsync("c", first.Name);

        first.Name.Should().MatchRegex(@"^c-\d+-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.snapshot$");
        second.Name.Should().NotBe(first.Name);
        listed.Select(s => s.Name).Should().BeEquivalentTo([first.Name, second.Name]);
        ((ulong)bytes.Length).Should().Be(first.Size);
        Convert.ToHexStringLower(SHA256.HashData(bytes)).Should().Be(first.Checksum);

        (await harness.Client.DeleteSnapshotAsync("c", first.Name)).Should().BeTrue();
        (await harness.Client.ListSnapshotsAsync("c")).Should().ContainSingle().Which.Name.Should().Be(second.Name);
        var missing = () => harness.Client.DownloadSnapshotAsync("c", first.Name);
        (await missing.Should().ThrowAsync<QdrantException>()).Which.IsNotFound.Should().BeTrue();
    }

    [Fact]
    public async Task An_uploaded_snapshot_replaces_the_collection_and_a_wrong_checksum_is_refused()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Euclid)));
        await harness.Client.UpsertAsync("c", TestVectors.Points(4, 2, seed: 3));
        var snapshot = await harness.Client.CreateSnapshotAsync("c");
        var bytes = await harness.Client.DownloadSnapshotAsync("c", snapshot.Name);
        await harness.Client.UpsertAsync("c", TestVectors.Points(9, 2, seed: 4));

        var wrong = () => harness.Client.UploadSnapshotAsync("c", bytes, checksum: new string('0', 64));
        var error = (await wrong.Should().ThrowAsync<QdrantException>()).Which;
        error.QdrantMessage.Should().StartWith($"Checksum mismatch: expected {new string('0', 64)}, actual {snapshot.Checksum}");
        harness.Server.Collections.PointCount("c").Should().Be(9);

        await harness.Client.UploadSnapshotAsync("c", bytes, snapshot.Checksum, SnapshotPriority.Snapshot);

        harness.Server.Collections.PointCount("c").Should().Be(4);
    }

    [Fact]
    public async Task Recovering_from_a_file_location_works_and_an_unreadable_location_is_refused()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        await harness.Client.UpsertAsync("c", TestVectors.Points(6, 2, seed: 5));
        var snapshot = await harness.Client.CreateSnapshotAsync("c");
        var path = Path.Combine(Path.GetTempPath(), $"qdrant-test-{Guid.NewGuid():N}.snapshot");
        await File.WriteAllBytesAsync(path, await harness.Client.DownloadSnapshotAsync("c", snapshot.Name));
        try
        {
            await harness.Client.RecoverSnapshotAsync("copy", new SnapshotRecoverRequest(new Uri(path)));

            harness.Server.Collections.PointCount("copy").Should().Be(6);
            var act = () => harness.Client.RecoverSnapshotAsync("copy", new SnapshotRecoverRequest(new Uri("ftp://example.invalid/x.snapshot")));
            (await act.Should().ThrowAsync<QdrantException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
