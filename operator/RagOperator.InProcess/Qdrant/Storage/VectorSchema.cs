namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// One dense vector of a collection (the unnamed vector is named <c>""</c>). Per-vector HNSW and quantization
/// settings are kept as the REST face's JSON so that they read back as given; search is exact whatever they say.
/// </summary>
internal sealed record DenseVectorSettings
{
    public required ulong Size { get; init; }
    public required DistanceKind Distance { get; init; }
    public bool? OnDisk { get; init; }
    public string? HnswJson { get; init; }
    public string? QuantizationJson { get; init; }
}

/// <summary>
/// One sparse vector of a collection: its <c>modifier</c> as given (<c>idf</c>, <c>none</c> or absent) and its index
/// settings as the REST face's JSON (accepted and echoed; there is no inverted index, search scans every point).
/// </summary>
internal sealed record SparseVectorSettings
{
    public string? Modifier { get; init; }
    public string? IndexJson { get; init; }

    public bool Idf => Modifier == "idf";
}

/// <summary>
/// A sparse vector as Qdrant keeps it: indices unique and sorted ascending, values alongside. Requests are validated
/// with Qdrant's words before one is made.
/// </summary>
internal sealed class SparseVectorValue
{
    private SparseVectorValue(uint[] indices, float[] values)
    {
        Indices = indices;
        Values = values;
    }

    public uint[] Indices { get; }
    public float[] Values { get; }

    /// <summary>Qdrant's validation of a sparse vector: the field and message of the first problem, or null.</summary>
    public static (string Field, string Message)? Problem(IReadOnlyCollection<uint> indices, IReadOnlyCollection<float> values)
    {
        if (indices.Count != values.Count)
        {
            return ("values", "must be the same length as indices");
        }

        return indices.Distinct().Count() != indices.Count ? ("indices", "must be unique") : null;
    }

    /// <summary>A sorted copy of a vector that has passed <see cref="Problem"/>.</summary>
    public static SparseVectorValue Create(uint[] indices, float[] values)
    {
        var sortedIndices = (uint[])indices.Clone();
        var sortedValues = (float[])values.Clone();
        Array.Sort(sortedIndices, sortedValues);
        return new SparseVectorValue(sortedIndices, sortedValues);
    }

    /// <summary>
    /// Dot product over the shared indices, summed in index order as Qdrant does; <paramref name="overlaps"/> says
    /// whether any index is shared (Qdrant scores only points that share one with the query).
    /// </summary>
    public float Dot(SparseVectorValue other, out bool overlaps)
    {
        overlaps = false;
        var score = 0f;
        int i = 0, j = 0;
        while (i < Indices.Length && j < other.Indices.Length)
        {
            if (Indices[i] == other.Indices[j])
            {
                score += Values[i] * other.Values[j];
                overlaps = true;
                i++;
                j++;
            }
            else if (Indices[i] < other.Indices[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return score;
    }

    public SparseVectorValue WithValues(float[] values) => new(Indices, values);
}

/// <summary>The vectors of one point, by name: dense and sparse. A point may lack any of its collection's vectors.</summary>
internal sealed record PointVectors(IReadOnlyDictionary<string, float[]> Dense, IReadOnlyDictionary<string, SparseVectorValue> Sparse)
{
    public static PointVectors Empty { get; } = new(new Dictionary<string, float[]>(), new Dictionary<string, SparseVectorValue>());

    public static PointVectors Unnamed(float[] vector) =>
        new(new Dictionary<string, float[]>(StringComparer.Ordinal) { [string.Empty] = vector }, Empty.Sparse);

    public bool IsEmpty => Dense.Count == 0 && Sparse.Count == 0;

    /// <summary>True when the only vector is the unnamed dense one, which Qdrant writes in the plain array form.</summary>
    public bool IsPlainUnnamed => Sparse.Count == 0 && Dense.Count == 1 && Dense.ContainsKey(string.Empty);

    /// <summary>Names in Qdrant's output order (ordinal), dense and sparse alike.</summary>
    public IEnumerable<string> Names => Dense.Keys.Concat(Sparse.Keys).Order(StringComparer.Ordinal);
}

/// <summary>A parsed <c>with_vector</c>: none, all, or the named ones (the unnamed vector is <c>""</c>).</summary>
internal sealed record VectorSelection(bool All, IReadOnlySet<string>? Names)
{
    public static VectorSelection None { get; } = new(false, null);

    public static VectorSelection Every { get; } = new(true, null);

    public bool IsNone => !All && (Names is null || Names.Count == 0);

    public bool Includes(string name) => All || (Names?.Contains(name) ?? false);
}

/// <summary>A parsed <c>with_payload</c>: all, none, only some top-level keys, or all but some.</summary>
internal sealed record PayloadSelection(bool Enabled, IReadOnlySet<string>? Keys, bool Exclude)
{
    public static PayloadSelection All { get; } = new(true, null, false);
    public static PayloadSelection None { get; } = new(false, null, false);
}
