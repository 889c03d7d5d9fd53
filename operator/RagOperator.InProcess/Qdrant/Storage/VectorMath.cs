using System.Numerics;
using System.Runtime.InteropServices;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>SIMD kernels for exact search (the same formulas Qdrant uses, in f32).</summary>
internal static class VectorMath
{
    // Rust's f32::EPSILON, the bound Qdrant's cosine pre-processing compares the squared norm with.
    private const float RustF32Epsilon = 1.1920929E-07f;

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var v = 0; v < va.Length; v++)
        {
            sum += va[v] * vb[v];
        }

        var total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    public static float SquaredEuclid(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var v = 0; v < va.Length; v++)
        {
            var d = va[v] - vb[v];
            sum += d * d;
        }

        var total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            total += d * d;
        }

        return total;
    }

    public static float Manhattan(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var v = 0; v < va.Length; v++)
        {
            sum += Vector.Abs(va[v] - vb[v]);
        }

        var total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            total += MathF.Abs(a[i] - b[i]);
        }

        return total;
    }

    /// <summary>Qdrant's cosine pre-processing: scale to unit length unless the vector is (almost) zero.</summary>
    public static void NormalizeInPlace(Span<float> vector)
    {
        var squared = Dot(vector, vector);
        if (squared < RustF32Epsilon)
        {
            return;
        }

        var length = MathF.Sqrt(squared);
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] /= length;
        }
    }
}
