namespace RagOperator.Benchmarks.Support;

/// <summary>Seeded random vectors, so every run searches the same data with the same queries.</summary>
public static class Vectors
{
    public static float[] Random(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var i = 0; i < vector.Length; i++) vector[i] = (float)(random.NextDouble() * 2 - 1);
        return vector;
    }
}
