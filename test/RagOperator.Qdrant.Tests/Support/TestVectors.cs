using System.Text.Json.Nodes;
using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant.Tests.Support;

/// <summary>Seeded random data and a double-precision brute-force oracle for search results.</summary>
public static class TestVectors
{
    public static float[] Random(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return vector;
    }

    public static List<PointStruct> Points(int count, int dimension, int seed, Func<int, JsonObject?>? payload = null)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => new PointStruct(PointId.FromNumber((ulong)i + 1), Random(random, dimension), payload?.Invoke(i)))
            .ToList();
    }

    /// <summary>Qdrant's score for a stored (raw) vector against a query, computed in double precision.</summary>
    public static double Score(Distance distance, float[] query, float[] stored)
    {
        switch (distance)
        {
            case Distance.Dot:
                return query.Zip(stored, (a, b) => (double)a * b).Sum();
            case Distance.Cosine:
                var dot = query.Zip(stored, (a, b) => (double)a * b).Sum();
                return dot / (Math.Sqrt(query.Sum(x => (double)x * x)) * Math.Sqrt(stored.Sum(x => (double)x * x)));
            case Distance.Euclid:
                return Math.Sqrt(query.Zip(stored, (a, b) => ((double)a - b) * ((double)a - b)).Sum());
            default:
                return query.Zip(stored, (a, b) => Math.Abs((double)a - b)).Sum();
        }
    }

    public static bool LargerIsBetter(Distance distance) => distance is Distance.Cosine or Distance.Dot;

    /// <summary>The expected top-k (id, score), best first.</summary>
    public static List<(PointId Id, double Score)> Oracle(Distance distance, float[] query, IEnumerable<PointStruct> points, int k)
    {
        var scored = points.Select(point => (point.Id, Score: Score(distance, query, point.Vector)));
        var ordered = LargerIsBetter(distance) ? scored.OrderByDescending(hit => hit.Score) : scored.OrderBy(hit => hit.Score);
        return ordered.Take(k).ToList();
    }
}
