using System.Security.Cryptography;
using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

/// <summary>Snapshot files streamed in and out (the operator's path to and from snapshot storage), and the snapshot faults.</summary>
public sealed class SnapshotStreamingTests
{
    [Fact]
    public async Task A_streamed_download_has_the_described_size_and_checksum_and_a_streamed_upload_recovers_it()
    {
        await using var source = await QdrantHarness.StartAsync();
        await using var target = await QdrantHarness.StartAsync();
        await source.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(4, Distance.Cosine)));
        await source.Client.UpsertAsync("c", TestVectors.Points(120, 4, seed: 8));
        var snapshot = await source.Client.CreateSnapshotAsync("c");

        using var copy = new MemoryStream();
        await using (var stream = await source.Client.OpenSnapshotAsync("c", snapshot.Name))
        {
            stream.Length.Should().Be((long)snapshot.Size);
            await stream.CopyToAsync(copy);
        }

        Convert.ToHexStringLower(SHA256.HashData(copy.ToArray())).Should().Be(snapshot.Checksum);
        copy.Position = 0;
        await target.Client.UploadSnapshotStreamAsync("restored", copy, snapshot.Checksum, SnapshotPriority.Snapshot);
        target.Server.Collections.PointCount("restored").Should().Be(120);
    }

    [Fact]
    public async Task A_streamed_upload_with_the_wrong_checksum_is_refused_and_changes_nothing()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        await harness.Client.UpsertAsync("c", TestVectors.Points(3, 2, seed: 9));
        var bytes = await harness.Client.DownloadSnapshotAsync("c", (await harness.Client.CreateSnapshotAsync("c")).Name);
        await harness.Client.UpsertAsync("c", TestVectors.Points(7, 2, seed: 10));

        var act = () => harness.Client.UploadSnapshotStreamAsync("c", new MemoryStream(bytes), new string('f', 64));

        (await act.Should().ThrowAsync<QdrantException>()).Which.QdrantMessage.Should().StartWith("Checksum mismatch");
        harness.Server.Collections.PointCount("c").Should().Be(7);
    }

    [Fact]
    public async Task Injected_snapshot_faults_fail_only_snapshot_requests_and_then_clear()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        harness.Server.Faults.FailNextSnapshotRequests(1, 500);

        (await harness.Client.CountAsync("c")).Should().Be(0, "other endpoints are not affected");
        var failing = () => harness.Client.CreateSnapshotAsync("c");
        (await failing.Should().ThrowAsync<QdrantException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.InternalServerError);
        var snapshot = await harness.Client.CreateSnapshotAsync("c");

        harness.Server.Faults.CorruptNextSnapshotDownloads(1);
        var corrupt = await harness.Client.DownloadSnapshotAsync("c", snapshot.Name);
        var intact = await harness.Client.DownloadSnapshotAsync("c", snapshot.Name);

        corrupt.Length.Should().Be(intact.Length);
        Convert.ToHexStringLower(SHA256.HashData(corrupt)).Should().NotBe(snapshot.Checksum);
        Convert.ToHexStringLower(SHA256.HashData(intact)).Should().Be(snapshot.Checksum);
        harness.Server.Faults.InjectedErrors.Should().Be(1);
    }
}
