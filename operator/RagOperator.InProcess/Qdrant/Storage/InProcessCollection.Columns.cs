namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>The per-vector storage of a collection's points, addressed by slot.</summary>
internal sealed partial class InProcessCollection
{
    /// <summary>One dense vector's storage: float blocks (allocated as slots are used) and a presence flag per slot.</summary>
    private sealed class DenseColumn(int dimension, DistanceKind distance)
    {
        private readonly List<float[]> _blocks = [];
        private bool[] _present = new bool[256];

        public int Dimension { get; } = dimension;
        public DistanceKind Distance { get; } = distance;

        public bool Has(int slot) => slot < _present.Length && _present[slot];

        public Span<float> Span(int slot) =>
            _blocks[slot >> BlockShift].AsSpan((slot & (BlockSize - 1)) * Dimension, Dimension);

        public float[]? Get(int slot) => Has(slot) ? Span(slot).ToArray() : null;

        public void Set(int slot, float[]? vector)
        {
            if (vector is null)
            {
                if (slot < _present.Length)
                {
                    _present[slot] = false;
                }

                return;
            }

            if (slot >= _present.Length)
            {
                Array.Resize(ref _present, Math.Max(slot + 1, _present.Length * 2));
            }

            while ((slot >> BlockShift) >= _blocks.Count)
            {
                _blocks.Add(new float[BlockSize * Dimension]);
            }

            vector.AsSpan().CopyTo(Span(slot));
            _present[slot] = true;
        }

        public void Move(int from, int to)
        {
            if (Has(from))
            {
                Set(to, Span(from).ToArray());
            }
            else
            {
                Set(to, null);
            }
        }

        public void Clear()
        {
            _blocks.Clear();
            Array.Clear(_present);
        }

        /// <summary>Qdrant's dimension check and pre-processing (cosine normalises), in place.</summary>
        public void Prepare(float[] vector)
        {
            if (vector.Length != Dimension)
            {
                throw QdrantHttpError.DimensionMismatch(Dimension, vector.Length);
            }

            if (Distance == DistanceKind.Cosine)
            {
                VectorMath.NormalizeInPlace(vector);
            }
        }
    }

    /// <summary>One sparse vector's storage: the sorted vector of each slot, or null where the point has none.</summary>
    private sealed class SparseColumn
    {
        public SparseVectorValue?[] Values = new SparseVectorValue?[256];
    }
}
