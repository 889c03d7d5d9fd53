using System.Numerics;
using System.Runtime.InteropServices;

namespace RagOperator.Routing;

/// <summary>
/// The vector arithmetic of the semantic strategy, vectorised with <see cref="Vector{T}"/>. "Nearest" follows the
/// collection's distance as Qdrant scores it: the highest cosine similarity (Cosine), the highest inner product
/// (Dot), the smallest Euclidean distance (Euclid) or the smallest L1 distance (Manhattan).
/// </summary>
public static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
            for (var v = 0; v < va.Length; v++) sum += va[v] * vb[v];
            i = va.Length * Vector<float>.Count;
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    public static float SquaredEuclid(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
            for (var v = 0; v < va.Length; v++)
            {
                var d = va[v] - vb[v];
                sum += d * d;
            }

            i = va.Length * Vector<float>.Count;
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    public static float Manhattan(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
            for (var v = 0; v < va.Length; v++) sum += Vector.Abs(va[v] - vb[v]);
            i = va.Length * Vector<float>.Count;
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += MathF.Abs(a[i] - b[i]);
        return total;
    }

    /// <summary>Scales the vector to unit length in place; a zero vector stays zero.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = MathF.Sqrt(Dot(vector, vector));
        if (norm == 0 || !float.IsFinite(norm)) return;
        var inverse = 1 / norm;
        for (var i = 0; i < vector.Length; i++) vector[i] *= inverse;
    }

    /// <summary>
    /// A score where lower is always nearer, so one comparison serves every distance: the negated similarity for
    /// Cosine (with unit-length <paramref name="centroid"/>, ordering by the dot product is ordering by cosine, so the
    /// query need not be normalised) and Dot, the squared distance for Euclid, the L1 distance for Manhattan.
    /// </summary>
    public static float Cost(Distance distance, ReadOnlySpan<float> query, ReadOnlySpan<float> centroid) => distance switch
    {
        Distance.Cosine or Distance.Dot => -Dot(query, centroid),
        Distance.Euclid => SquaredEuclid(query, centroid),
        Distance.Manhattan => Manhattan(query, centroid),
        _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, "unknown distance"),
    };

    /// <summary>The index of the nearest of the <paramref name="count"/> centroids stored row by row; ties go to the lower index.</summary>
    public static int Nearest(Distance distance, ReadOnlySpan<float> query, ReadOnlySpan<float> centroids, int count)
    {
        var dimension = query.Length;
        var best = 0;
        var bestCost = float.PositiveInfinity;
        for (var c = 0; c < count; c++)
        {
            var cost = Cost(distance, query, centroids.Slice(c * dimension, dimension));
            if (cost < bestCost)
            {
                bestCost = cost;
                best = c;
            }
        }

        return best;
    }

    /// <summary>The indexes of the <paramref name="n"/> nearest centroids, nearest first (ties: lower index first).</summary>
    public static int[] NearestN(Distance distance, ReadOnlySpan<float> query, ReadOnlySpan<float> centroids, int count, int n)
    {
        n = Math.Clamp(n, 0, count);
        var dimension = query.Length;
        var costs = new float[count];
        for (var c = 0; c < count; c++) costs[c] = Cost(distance, query, centroids.Slice(c * dimension, dimension));
        var order = new int[count];
        for (var c = 0; c < count; c++) order[c] = c;
        Array.Sort(order, (x, y) => costs[x] != costs[y] ? costs[x].CompareTo(costs[y]) : x.CompareTo(y));
        return order[..n];
    }
}
