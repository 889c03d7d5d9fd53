using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Storage;
using PointVectors = RagOperator.InProcess.Qdrant.Storage.PointVectors;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>Between the client's vector messages and the server's <see cref="PointVectors"/> and selections.</summary>
internal static partial class GrpcTranslation
{
    /// <summary>
    /// A point's vectors: the plain form (the unnamed vector) or named dense and sparse vectors. Multi and inference
    /// vectors are refused; a sparse vector must be named, as in Qdrant.
    /// </summary>
    public static PointVectors ToPointVectors(Vectors? vectors)
    {
        if (vectors is null || vectors.VectorsOptionsCase == Vectors.VectorsOptionsOneofCase.None)
        {
            throw QdrantHttpError.BadInput("Malformed PointStruct: the point has no vectors");
        }

        if (vectors.VectorsOptionsCase == Vectors.VectorsOptionsOneofCase.Vector)
        {
            return ReadVector(vectors.Vector, string.Empty) switch
            {
                float[] dense => PointVectors.Unnamed(dense),
                _ => throw QdrantHttpError.BadInput("Sparse vector must be named"),
            };
        }

        var named = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var sparse = new Dictionary<string, SparseVectorValue>(StringComparer.Ordinal);
        foreach (var (name, vector) in vectors.Vectors_.Vectors)
        {
            switch (ReadVector(vector, name))
            {
                case float[] dense:
                    named[name] = dense;
                    break;
                case SparseVectorValue value:
                    sparse[name] = value;
                    break;
            }
        }

        return new PointVectors(named, sparse);
    }

    /// <summary>One input vector: a dense <c>float[]</c> or a <see cref="SparseVectorValue"/>.</summary>
    private static object ReadVector(Vector vector, string name)
    {
#pragma warning disable CS0612 // `data` and `indices` are the deprecated form that older clients still send.
        if (vector.VectorCase == Vector.VectorOneofCase.None && !vector.HasVectorsCount)
        {
            return vector.Indices is { } indices
                ? ToSparse(indices.Data, vector.Data, name)
                : vector.Data.ToArray();
        }
#pragma warning restore CS0612

        return vector.VectorCase switch
        {
            Vector.VectorOneofCase.Dense => vector.Dense.Data.ToArray(),
            Vector.VectorOneofCase.Sparse => ToSparse(vector.Sparse.Indices, vector.Sparse.Values, name),
            Vector.VectorOneofCase.MultiDense => throw QdrantHttpError.Unsupported("Multivectors"),
            _ => throw QdrantHttpError.Unsupported("Multi or inference vectors"),
        };
    }

    /// <summary>A sparse vector checked with Qdrant's validation words and sorted by index.</summary>
    public static SparseVectorValue ToSparse(IReadOnlyCollection<uint> indices, IReadOnlyCollection<float> values, string path)
    {
        if (SparseVectorValue.Problem(indices, values) is var (field, message))
        {
            throw QdrantHttpError.BadInput($"Validation error: {(path.Length == 0 ? field : $"{path}.{field}")}: {message}");
        }

        return SparseVectorValue.Create(indices.ToArray(), values.ToArray());
    }

    /// <summary>
    /// Vectors in Qdrant's output form: the plain form when the only vector is the unnamed dense one, else the
    /// named map with dense and sparse entries.
    /// </summary>
    public static VectorsOutput? VectorOutput(PointVectors? vectors)
    {
        if (vectors is null)
        {
            return null;
        }

        if (vectors.IsPlainUnnamed)
        {
            return new VectorsOutput { Vector = new VectorOutput { Dense = new DenseVector { Data = { vectors.Dense[string.Empty] } } } };
        }

        var named = new NamedVectorsOutput();
        foreach (var (name, dense) in vectors.Dense)
        {
            named.Vectors[name] = new VectorOutput { Dense = new DenseVector { Data = { dense } } };
        }

        foreach (var (name, sparse) in vectors.Sparse)
        {
            named.Vectors[name] = new VectorOutput { Sparse = new SparseVector { Indices = { sparse.Indices }, Values = { sparse.Values } } };
        }

        return new VectorsOutput { Vectors = named };
    }

    /// <summary>Qdrant's <c>with_vectors</c>: on, off, or a list of vector names (the unnamed vector is <c>""</c>).</summary>
    public static VectorSelection ToWithVector(WithVectorsSelector? selector) => selector?.SelectorOptionsCase switch
    {
        WithVectorsSelector.SelectorOptionsOneofCase.Enable => selector.Enable ? VectorSelection.Every : VectorSelection.None,
        WithVectorsSelector.SelectorOptionsOneofCase.Include =>
            new VectorSelection(false, selector.Include.Names.ToHashSet(StringComparer.Ordinal)),
        _ => VectorSelection.None,
    };
}
