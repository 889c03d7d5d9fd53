using FluentAssertions;
using RagOperator.InProcess.Qdrant.Storage;
using Xunit;

namespace RagOperator.InProcess.Tests.Qdrant;

/// <summary>
/// The in-process snapshot format carries a hybrid collection whole: its named dense and sparse vector settings and
/// every point's vectors, so a recovered collection answers queries as the original did.
/// </summary>
public sealed class HybridSnapshotTests
{
    [Fact]
    public void A_restored_snapshot_keeps_named_and_sparse_vectors_their_settings_and_the_idf_scores()
    {
        using var original = new InProcessCollection("hybrid", new CollectionParamsSettings
        {
            Vectors = new Dictionary<string, DenseVectorSettings>
            {
                ["text"] = new() { Size = 2, Distance = DistanceKind.Dot, HnswJson = """{"m":32}""" },
            },
            NamedVectors = true,
            SparseVectors = new Dictionary<string, SparseVectorSettings> { ["bm"] = new() { Modifier = "idf" } },
        });
        original.Upsert(
        [
            (PointKey.FromNumber(1), Vectors(text: [1f, 0f], bm: ([3, 1], [2f, 1f])), PayloadObject.Empty),
            (PointKey.FromNumber(2), Vectors(text: null, bm: ([3], [4f])), PayloadObject.Empty),
            (PointKey.FromNumber(3), Vectors(text: [0f, 1f], bm: null), PayloadObject.Empty),
        ]);

        using var restored = SnapshotCodec.Read(SnapshotCodec.Write(original), "copy");

        restored.Params.Vectors["text"].Should().Be(original.Params.Vectors["text"]);
        restored.Params.NamedVectors.Should().BeTrue();
        restored.Params.SparseVectors["bm"].Idf.Should().BeTrue();
        var first = restored.Get(PointKey.FromNumber(1))!.Vectors!;
        first.Dense["text"].Should().Equal(1f, 0f);
        first.Sparse["bm"].Indices.Should().Equal(1u, 3u);
        restored.Get(PointKey.FromNumber(3))!.Vectors!.Sparse.Should().BeEmpty();
        Scores(restored).Should().Equal(Scores(original));
    }

    private static PointVectors Vectors(float[]? text, (uint[] Indices, float[] Values)? bm) =>
        new(
            text is null ? new Dictionary<string, float[]>() : new Dictionary<string, float[]> { ["text"] = text },
            bm is { } sparse
                ? new Dictionary<string, SparseVectorValue> { ["bm"] = SparseVectorValue.Create(sparse.Indices, sparse.Values) }
                : new Dictionary<string, SparseVectorValue>());

    private static float[] Scores(InProcessCollection collection)
    {
        var query = new QueryNode([], new NearestScoring("bm", null, SparseVectorValue.Create([3], [1f])), null, null, 10);
        collection.CheckQuery(query);
        return collection.Query(query, 0, VectorSelection.None).Select(hit => hit.Score).ToArray();
    }
}
