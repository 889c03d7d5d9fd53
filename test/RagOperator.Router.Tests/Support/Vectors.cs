using RagOperator.Routing;

namespace RagOperator.Router.Tests.Support;

/// <summary>Seeded random vectors and an exact nearest-neighbour oracle computed in double precision.</summary>
internal static class Vectors
{
    public static float[] Random(Random random, int dimension) =>
        [.. Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    /// <summary>The score Qdrant reports for a distance: similarity for Cosine/Dot, distance for Euclid/Manhattan.</summary>
    public static double Score(Distance distance, float[] query, float[] point)
    {
        double dot = 0, queryNorm = 0, pointNorm = 0, squares = 0, absolute = 0;
        for (var i = 0; i < query.Length; i++)
        {
            double a = query[i], b = point[i];
            dot += a * b;
            queryNorm += a * a;
            pointNorm += b * b;
            squares += (a - b) * (a - b);
            absolute += Math.Abs(a - b);
        }

        return distance switch
        {
            Distance.Dot => dot,
            Distance.Cosine => dot / (Math.Sqrt(queryNorm) * Math.Sqrt(pointNorm)),
            Distance.Euclid => Math.Sqrt(squares),
            Distance.Manhattan => absolute,
            _ => throw new ArgumentOutOfRangeException(nameof(distance)),
        };
    }

    /// <summary>The exact top-k over all points: best score first, ties by ascending id.</summary>
    public static List<(ulong Id, double Score)> Exact(Distance distance, float[] query, IReadOnlyDictionary<ulong, float[]> points, int k)
    {
        var scored = points.Select(p => (p.Key, Score: Score(distance, query, p.Value)));
        var ordered = distance.HigherIsBetter()
            ? scored.OrderByDescending(p => p.Score).ThenBy(p => p.Key)
            : scored.OrderBy(p => p.Score).ThenBy(p => p.Key);
        return [.. ordered.Take(k)];
    }
}
