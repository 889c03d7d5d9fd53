using RagOperator.InProcess.Qdrant.Filtering;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>Reading points out: by id, by page in id order, counts, and everything (for snapshots).</summary>
internal sealed partial class InProcessCollection
{
    public IReadOnlyList<PointView> Retrieve(IEnumerable<PointKey> ids, VectorSelection vectors) =>
        Read(() =>
        {
            var result = new List<PointView>();
            var seen = new HashSet<PointKey>();
            foreach (var id in ids)
            {
                if (seen.Add(id) && _slotById.TryGetValue(id, out var slot))
                {
                    result.Add(View(slot, vectors));
                }
            }

            return (IReadOnlyList<PointView>)result;
        });

    public PointView? Get(PointKey id, VectorSelection? vectors = null) =>
        Read(() => _slotById.TryGetValue(id, out var slot) ? View(slot, vectors ?? VectorSelection.Every) : null);

    /// <summary>Points in id order from <paramref name="offset"/> (inclusive); the next page starts at the returned id.</summary>
    public (IReadOnlyList<PointView> Points, PointKey? NextOffset) Scroll(PointKey? offset, int limit, FilterNode? filter, VectorSelection vectors) =>
        Read(() =>
        {
            var page = new List<PointView>(Math.Min(limit + 1, 1024));
            IEnumerable<PointKey> ids = offset is { } start && start.CompareTo(MinKey) > 0
                ? _orderedIds.GetViewBetween(start, MaxKey)
                : _orderedIds;
            foreach (var id in ids)
            {
                var slot = _slotById[id];
                if (filter is null || filter.Matches(id, _payloads[slot]))
                {
                    page.Add(View(slot, vectors));
                    if (page.Count > limit)
                    {
                        break;
                    }
                }
            }

            PointKey? next = null;
            if (page.Count > limit)
            {
                next = page[limit].Id;
                page.RemoveAt(limit);
            }

            return ((IReadOnlyList<PointView>)page, next);
        });

    public int CountWhere(FilterNode? filter) =>
        Read(() =>
        {
            if (filter is null)
            {
                return _count;
            }

            var count = 0;
            for (var slot = 0; slot < _count; slot++)
            {
                if (filter.Matches(_ids[slot], _payloads[slot]))
                {
                    count++;
                }
            }

            return count;
        });

    /// <summary>Loads points as they were stored (already pre-processed, versions kept), replacing nothing else.</summary>
    public void Restore(IEnumerable<(PointKey Id, PointVectors Vectors, PayloadObject Payload, ulong Version)> points, ulong lastOperationId) =>
        Write(() =>
        {
            foreach (var (id, vectors, payload, version) in points)
            {
                if (!_slotById.TryGetValue(id, out var slot))
                {
                    slot = AppendSlot(id);
                }

                SetVectors(slot, vectors);
                _payloads[slot] = payload;
                _versions[slot] = version;
            }

            _lastOperationId = Math.Max(_lastOperationId, lastOperationId);
            return 0;
        });

    public ulong LastOperationId => Read(() => _lastOperationId);

    /// <summary>All points in id order with all their vectors (for snapshots and test inspection).</summary>
    public IReadOnlyList<PointView> All() =>
        Read(() => (IReadOnlyList<PointView>)_orderedIds.Select(id => View(_slotById[id], VectorSelection.Every)).ToArray());

    private PointView View(int slot, VectorSelection vectors) =>
        new(_ids[slot], _payloads[slot], VectorsOf(slot, vectors), _versions[slot]);

    private PointVectors? VectorsOf(int slot, VectorSelection selection)
    {
        if (selection.IsNone)
        {
            return null;
        }

        var dense = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, column) in _dense)
        {
            if (selection.Includes(name) && column.Get(slot) is { } vector)
            {
                dense[name] = vector;
            }
        }

        var sparse = new Dictionary<string, SparseVectorValue>(StringComparer.Ordinal);
        foreach (var (name, column) in _sparse)
        {
            if (selection.Includes(name) && column.Values[slot] is { } vector)
            {
                sparse[name] = vector;
            }
        }

        return new PointVectors(dense, sparse);
    }
}
