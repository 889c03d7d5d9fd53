using System.Globalization;
using Qdrant.Client.Grpc;

namespace RagOperator.InProcess.Tests.Qdrant;

/// <summary>
/// The small hybrid collection both faces are tested on, and what its queries must return, worked out by hand.
/// Dense <c>text</c> (Dot, 2 dimensions), dense <c>image</c> (Cosine, 3), sparse <c>splade</c> (no modifier) and
/// sparse <c>bm</c> (idf) holding the same sparse data. Point 4 has no sparse vector and point 5 no dense one, so
/// the idf statistics count four points: indices 1 and 3 occur in two of them, index 2 in one.
/// </summary>
internal static class HybridData
{
    public const string Collection = "hybrid";

    /// <summary>Qdrant's idf, ln((n − df + 0.5) / (df + 0.5) + 1), for n = 4 and df = 2: ln 2.</summary>
    public const float IdfCommon = 0.6931472f;

    /// <summary>The same for df = 1: ln(10 / 3).</summary>
    public const float IdfRare = 1.2039728f;

    /// <summary>
    /// DBSF of dense [1, 0] (limit 4: points 1, 2, 3, 4 with scores 1, 0.5, 0, −1) and the sparse query over
    /// <c>bm</c> (points 2, 3, 1 with 4·ln 2, 1.5·ln(10/3), 2·ln 2): each list mapped from mean ± 3 sample standard
    /// deviations onto [0, 1] and summed, for points 2, 1, 3, 4.
    /// </summary>
    public static readonly double[] DbsfScores = [1.2570683500823039, 1.0296507584875298, 0.9328584078435862, 0.28042248358658];

    public sealed record HybridPoint(ulong Id, float[]? Text, float[]? Image, (uint Index, float Value)[]? Sparse);

    // Point 1's sparse vector is given out of index order: Qdrant stores and returns it sorted.
    public static readonly HybridPoint[] Points =
    [
        new(1, [1f, 0f], null, [(3, 2f), (1, 1f)]),
        new(2, [0.5f, 0.5f], null, [(3, 4f)]),
        new(3, [0f, 1f], [1f, 2f, 2f], [(2, 1.5f)]),
        new(4, [-1f, 0f], null, null),
        new(5, null, null, [(1, 0.5f)]),
    ];

    /// <summary>The sparse query {2: 1, 3: 1}: without idf it scores points 2, 1, 3 as 4, 2, 1.5.</summary>
    public static Query SparseQuery => (new[] { 1f, 1f }, new uint[] { 2, 3 });

    public static Vector Sparse(params (uint Index, float Value)[] entries) =>
        (entries.Select(entry => entry.Value).ToArray(), entries.Select(entry => entry.Index).ToArray());

    public static PointStruct ToGrpc(HybridPoint point)
    {
        var vectors = new Dictionary<string, Vector>();
        if (point.Text is { } text) vectors["text"] = text;
        if (point.Image is { } image) vectors["image"] = image;
        if (point.Sparse is { } sparse)
        {
            vectors["splade"] = Sparse(sparse);
            vectors["bm"] = Sparse(sparse);
        }

        return new PointStruct { Id = point.Id, Vectors = vectors, Payload = { ["n"] = (long)point.Id } };
    }

    public static string ToRestJson(HybridPoint point)
    {
        var vectors = new List<string>();
        if (point.Text is { } text) vectors.Add($"\"text\": {Dense(text)}");
        if (point.Image is { } image) vectors.Add($"\"image\": {Dense(image)}");
        if (point.Sparse is { } sparse)
        {
            vectors.Add($"\"splade\": {SparseJson(sparse)}");
            vectors.Add($"\"bm\": {SparseJson(sparse)}");
        }

        var vectorJson = "{" + string.Join(", ", vectors) + "}";
        return $$"""{"id": {{point.Id}}, "vector": {{vectorJson}}, "payload": {"n": {{point.Id}} } }""";
    }

    public static string Dense(float[] vector) => "[" + string.Join(", ", vector.Select(Number)) + "]";

    public static string SparseJson((uint Index, float Value)[] entries) =>
        $$"""{"indices": [{{string.Join(", ", entries.Select(entry => entry.Index))}}], "values": [{{string.Join(", ", entries.Select(entry => Number(entry.Value)))}}]}""";

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
