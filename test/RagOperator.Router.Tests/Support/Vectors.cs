using RagOperator.Routing;

namespace RagOperator.Router.Tests.Support;

/// <summary>Seeded random vectors and an exact nearest-neighbour oracle computed in double precision.</summary>
internal static class Vectors
{
    public static float[] Random(Random random, int dimension) =>
        [.. Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    /// <summary>The score Qdrant reports for a distance: similarity for Cosine/Dot, distance for Euclid/Manhattan.</summary>
    public static double Score(Distance distance, float[] query, float[] point) => distance switch
    {
        Distance.Dot => Dot(query, point),
        Distance.Cosine => Dot(query, point) / (Norm(query) * Norm(point)),
        Distance.Euclid => Math.Sqrt(query.Zip(point, (a, b) => ((double)a - b) * ((double)a - b)).Sum()),
        Distance.Manhattan => query.Zip(point, (a, b) => Math.Abs((double)a - b)).Sum(),
        _ => throw new ArgumentOutOfRangeException(nameof(distance)),
    };

    /// <summary>The exact top-k over all points: best score first, ties by ascending id.</summary>
    public static List<(ulong Id, double Score)> Exact(Distance distance, float[] query, IReadOnlyDictionary<ulong, float[]> points, int k)
    {
        var scored = points.Select(p => (p.Key, Score: Score(distance, query, p.Value)));
        var ordered = distance.HigherIsBetter()
            ? scored.OrderByDescending(p => p.Score).ThenBy(p => p.Key)
            : scored.OrderBy(p => p.Score).ThenBy(p => p.Key);
        return [.. ordered.Take(k)];
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    private static double Norm(float[] a) => Math.Sqrt(Dot(a, a));
}
