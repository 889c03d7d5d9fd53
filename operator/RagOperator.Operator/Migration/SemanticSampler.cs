using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>
/// The I/O of training (the maths is <see cref="SemanticPartitioner"/>): a uniform sample of the collection's vectors
/// and per-cell point counts.
/// </summary>
internal static class SemanticSampler
{
    private const int IdPage = 4096;
    private const int VectorBatch = 256;

    /// <summary>
    /// A uniform sample of at most <paramref name="size"/> vectors: every shard's ids are scrolled without payloads or
    /// vectors (cheap), a seeded reservoir keeps <paramref name="size"/> of them, and only those are read with their
    /// vectors. Qdrant's scroll has no random order, so taking the first points would favour low ids.
    /// </summary>
    public static async Task<List<float[]>> SampleAsync(
        IReadOnlyDictionary<int, IQdrantClient> shards, string collection, int size, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var reservoir = new List<(int Shard, PointId Id)>(size);
        long seen = 0;
        foreach (var (shard, client) in shards.OrderBy(s => s.Key))
        {
            PointId? offset = null;
            do
            {
                var page = await client.ScrollAsync(collection, new ScrollRequest
                {
                    Limit = IdPage,
                    Offset = offset,
                    WithPayload = PayloadSelector.None,
                    WithVector = false,
                }, cancellationToken);
                foreach (var point in page.Points)
                {
                    seen++;
                    if (reservoir.Count < size)
                    {
                        reservoir.Add((shard, point.Id));
                    }
                    else if (random.NextInt64(seen) is var slot && slot < size)
                    {
                        reservoir[(int)slot] = (shard, point.Id);
                    }
                }

                offset = page.NextPageOffset;
            }
            while (offset is not null);
        }

        var sample = new List<float[]>(reservoir.Count);
        foreach (var group in reservoir.GroupBy(r => r.Shard).OrderBy(g => g.Key))
        {
            foreach (var chunk in group.Select(r => r.Id).Order().Chunk(VectorBatch))
            {
                var points = await shards[group.Key].RetrieveAsync(collection, chunk, withPayload: false, withVector: true, cancellationToken);
                sample.AddRange(points.Where(p => p.Vector is not null).OrderBy(p => p.Id).Select(p => p.Vector!));
            }
        }

        return sample;
    }

    /// <summary>Points per cell of a stable table, counted on each cell's owner with an exact <c>_rag_cell</c> match.</summary>
    public static async Task<long[]> CountCellsAsync(
        RoutingTable table, Func<int, IQdrantClient> shard, string collection, CancellationToken cancellationToken)
    {
        var counts = new long[table.CellCount];
        foreach (var owner in table.Shards)
        {
            var client = shard(owner.Id);
            foreach (var cell in owner.Cells.Cells())
            {
                counts[cell] = (long)await client.CountAsync(collection, Filter.All(Conditions.Match(PayloadFields.Cell, table.Assigner.Key(cell))), cancellationToken);
            }
        }

        return counts;
    }

    /// <summary>The largest cell's points over the mean cell's (1 when every cell is empty).</summary>
    public static double Skew(IReadOnlyList<long> cellPoints)
    {
        var total = cellPoints.Sum();
        return total == 0 || cellPoints.Count == 0 ? 1 : cellPoints.Max() / ((double)total / cellPoints.Count);
    }
}
