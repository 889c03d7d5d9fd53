using System.Text.Json;
using RagOperator.InProcess.Qdrant.Filtering;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>A point as read out of a collection (a consistent copy; payloads are immutable and shared).</summary>
internal sealed record PointView(PointKey Id, PayloadObject Payload, float[]? Vector, ulong Version);

internal sealed record ScoredView(PointKey Id, float Score, PayloadObject Payload, float[]? Vector, ulong Version);

/// <summary>
/// One collection's points in memory: vectors in fixed-size float blocks (no per-point objects besides the
/// immutable payload), an id→slot map, and an ordered id set for scrolling. Deletes swap the last slot into the
/// hole so that slots stay dense for the search loop. A reader/writer lock makes every request atomic: a batch
/// upsert is seen whole or not at all. Each update gets the next operation id, which becomes the point version.
/// </summary>
internal sealed class InProcessCollection : IDisposable
{
    private const int BlockShift = 12;
    private const int BlockSize = 1 << BlockShift;
    private const long ParallelSearchThreshold = 1 << 20; // points × dimension above which a search fans out

    private static readonly PointKey MaxKey = new(true, UInt128.MaxValue);
    private static readonly PointKey MinKey = new(false, UInt128.Zero);

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly List<float[]> _vectorBlocks = [];
    private readonly Dictionary<PointKey, int> _slotById = [];
    private readonly SortedSet<PointKey> _orderedIds = [];
    private readonly Dictionary<string, PayloadIndexSettings> _payloadIndexes = new(StringComparer.Ordinal);
    private PointKey[] _ids = new PointKey[256];
    private PayloadObject[] _payloads = new PayloadObject[256];
    private ulong[] _versions = new ulong[256];
    private int _count;
    private ulong _lastOperationId;

    public InProcessCollection(string name, CollectionParamsSettings parameters)
    {
        Name = name;
        Dimension = checked((int)parameters.Size);
        Params = parameters;
    }

    public string Name { get; }
    public int Dimension { get; }
    public DistanceKind Distance => Params.Distance;

    // Settings are immutable records swapped under the write lock; readers take a snapshot under the read lock.
    public CollectionParamsSettings Params { get; private set; }
    public HnswSettings Hnsw { get; private set; } = new();
    public OptimizerSettings Optimizers { get; private set; } = new();
    public string? QuantizationJson { get; private set; }

    public int Count => Read(() => _count);

    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// Checks a request's vector against the collection's dimension (Qdrant's dimension error otherwise) and brings
    /// it into stored form. The array is changed in place and returned.
    /// </summary>
    public float[] PrepareVector(float[] vector)
    {
        if (vector.Length != Dimension)
        {
            throw QdrantHttpError.DimensionMismatch(Dimension, vector.Length);
        }

        Preprocess(vector);
        return vector;
    }

    /// <summary>Brings a query or stored vector into the form the distance compares (cosine normalises).</summary>
    public void Preprocess(float[] vector)
    {
        if (Distance == DistanceKind.Cosine)
        {
            VectorMath.NormalizeInPlace(vector);
        }
    }

    // ---- settings ----

    public void Configure(
        CollectionParamsSettings? parameters = null, HnswSettings? hnsw = null, OptimizerSettings? optimizers = null,
        string? quantizationJson = null, bool setQuantization = false) =>
        Write(() =>
        {
            Params = parameters ?? Params;
            Hnsw = hnsw ?? Hnsw;
            Optimizers = optimizers ?? Optimizers;
            if (setQuantization)
            {
                QuantizationJson = quantizationJson;
            }

            return 0;
        });

    public ulong SetPayloadIndex(string field, PayloadIndexSettings? index) =>
        Write(() =>
        {
            if (index is null)
            {
                _payloadIndexes.Remove(field);
            }
            else
            {
                _payloadIndexes[field] = index;
            }

            return ++_lastOperationId;
        });

    /// <summary>Each index with the number of points holding a value of its type at the field.</summary>
    public IReadOnlyList<(string Field, PayloadIndexSettings Index, int Points)> PayloadSchema() =>
        Read(() => _payloadIndexes
            .Select(entry => (entry.Key, entry.Value, CountIndexed(entry.Key, entry.Value.DataType)))
            .ToArray());

    private int CountIndexed(string field, string dataType)
    {
        var path = PayloadPath.Parse(field);
        var points = 0;
        for (var slot = 0; slot < _count; slot++)
        {
            if (FieldValues.Of(path, _payloads[slot])
                .SelectMany(value => value is PayloadArray array ? array.Items : [value])
                .Any(value => IsIndexable(value, dataType)))
            {
                points++;
            }
        }

        return points;
    }

    private static bool IsIndexable(PayloadValue value, string dataType) => dataType switch
    {
        "integer" => value is PayloadNumber { Integer: not null },
        "float" => value is PayloadNumber,
        "keyword" or "text" or "uuid" or "datetime" => value is PayloadString,
        "bool" => value is PayloadBool,
        "geo" => value is PayloadObject,
        _ => false,
    };

    // ---- writes ----

    /// <summary>
    /// Inserts or replaces the points (vectors already validated and pre-processed). With
    /// <paramref name="updateFilter"/>, an existing point is replaced only if it matches; new points are always
    /// inserted. <paramref name="mode"/> restricts the operation to new or to existing points.
    /// </summary>
    public ulong Upsert(
        IReadOnlyList<(PointKey Id, float[] Vector, PayloadObject Payload)> points, FilterNode? updateFilter = null,
        UpsertMode mode = UpsertMode.Upsert) =>
        Write(() =>
        {
            var operation = ++_lastOperationId;
            foreach (var (id, vector, payload) in points)
            {
                if (_slotById.TryGetValue(id, out var slot))
                {
                    if (mode == UpsertMode.InsertOnly || (updateFilter is not null && !updateFilter.Matches(id, _payloads[slot])))
                    {
                        continue;
                    }
                }
                else if (mode == UpsertMode.UpdateOnly)
                {
                    continue;
                }
                else
                {
                    slot = AppendSlot(id);
                }

                vector.AsSpan().CopyTo(VectorSpan(slot));
                _payloads[slot] = payload;
                _versions[slot] = operation;
            }

            return operation;
        });

    public ulong Delete(IEnumerable<PointKey> ids) =>
        Write(() =>
        {
            foreach (var id in ids)
            {
                RemoveSlot(id);
            }

            return ++_lastOperationId;
        });

    public ulong DeleteWhere(FilterNode filter) =>
        Write(() =>
        {
            var doomed = new List<PointKey>();
            for (var slot = 0; slot < _count; slot++)
            {
                if (filter.Matches(_ids[slot], _payloads[slot]))
                {
                    doomed.Add(_ids[slot]);
                }
            }

            foreach (var id in doomed)
            {
                RemoveSlot(id);
            }

            return ++_lastOperationId;
        });

    /// <summary>Merges (or, with <paramref name="overwrite"/>, replaces) the payload of the selected points.</summary>
    public ulong SetPayload(IReadOnlyCollection<PointKey>? ids, FilterNode? filter, PayloadObject payload, bool overwrite) =>
        ChangePayload(ids, filter, current => overwrite ? payload : current.Merge(payload));

    /// <summary>Removes the top-level <paramref name="keys"/> from the payload of the selected points.</summary>
    public ulong DeletePayload(IReadOnlyCollection<PointKey>? ids, FilterNode? filter, IReadOnlySet<string> keys) =>
        ChangePayload(ids, filter, current => current.Select(keys, exclude: true));

    private ulong ChangePayload(IReadOnlyCollection<PointKey>? ids, FilterNode? filter, Func<PayloadObject, PayloadObject> change) =>
        Write(() =>
        {
            var operation = ++_lastOperationId;
            for (var slot = 0; slot < _count; slot++)
            {
                var selected = (ids is null || ids.Contains(_ids[slot])) &&
                               (filter is null || filter.Matches(_ids[slot], _payloads[slot]));
                if (selected)
                {
                    _payloads[slot] = change(_payloads[slot]);
                    _versions[slot] = operation;
                }
            }

            return operation;
        });

    // ---- reads ----

    public IReadOnlyList<PointView> Retrieve(IEnumerable<PointKey> ids, bool withVector) =>
        Read(() =>
        {
            var result = new List<PointView>();
            var seen = new HashSet<PointKey>();
            foreach (var id in ids)
            {
                if (seen.Add(id) && _slotById.TryGetValue(id, out var slot))
                {
                    result.Add(View(slot, withVector));
                }
            }

            return (IReadOnlyList<PointView>)result;
        });

    public PointView? Get(PointKey id, bool withVector = true) =>
        Read(() => _slotById.TryGetValue(id, out var slot) ? View(slot, withVector) : null);

    /// <summary>Points in id order from <paramref name="offset"/> (inclusive); the next page starts at the returned id.</summary>
    public (IReadOnlyList<PointView> Points, PointKey? NextOffset) Scroll(PointKey? offset, int limit, FilterNode? filter, bool withVector) =>
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
                    page.Add(View(slot, withVector));
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
    public void Restore(IEnumerable<(PointKey Id, float[] Vector, PayloadObject Payload, ulong Version)> points, ulong lastOperationId) =>
        Write(() =>
        {
            foreach (var (id, vector, payload, version) in points)
            {
                if (!_slotById.TryGetValue(id, out var slot))
                {
                    slot = AppendSlot(id);
                }

                vector.AsSpan().CopyTo(VectorSpan(slot));
                _payloads[slot] = payload;
                _versions[slot] = version;
            }

            _lastOperationId = Math.Max(_lastOperationId, lastOperationId);
            return 0;
        });

    public ulong LastOperationId => Read(() => _lastOperationId);

    /// <summary>All points in id order (for test inspection).</summary>
    public IReadOnlyList<PointView> All() =>
        Read(() => (IReadOnlyList<PointView>)_orderedIds.Select(id => View(_slotById[id], withVector: true)).ToArray());

    /// <summary>
    /// Exact top-<paramref name="top"/> search. <paramref name="query"/> is already pre-processed. Ties are broken
    /// by ascending id, so results are deterministic.
    /// </summary>
    public IReadOnlyList<ScoredView> Search(float[] query, int top, FilterNode? filter, float? threshold, bool withVector) =>
        Read(() =>
        {
            if (top <= 0 || _count == 0)
            {
                return (IReadOnlyList<ScoredView>)[];
            }

            var partitions = (long)_count * Dimension >= ParallelSearchThreshold ? Math.Max(2, Environment.ProcessorCount * 2) : 1;
            var chunk = (_count + partitions - 1) / partitions;
            var heaps = new PriorityQueue<int, (float Rank, PointKey Id)>[partitions];
            if (partitions == 1)
            {
                heaps[0] = ScanRange(query, 0, _count, top, filter, threshold);
            }
            else
            {
                Parallel.For(0, partitions, p =>
                    heaps[p] = ScanRange(query, p * chunk, Math.Min(_count, (p + 1) * chunk), top, filter, threshold));
            }

            var best = heaps
                .SelectMany(heap => heap.UnorderedItems)
                .Select(item => (Slot: item.Element, item.Priority.Rank, item.Priority.Id))
                .OrderByDescending(hit => hit.Rank)
                .ThenBy(hit => hit.Id)
                .Take(top);
            return (IReadOnlyList<ScoredView>)best
                .Select(hit => new ScoredView(hit.Id, FinalScore(hit.Rank), _payloads[hit.Slot], withVector ? VectorSpan(hit.Slot).ToArray() : null, _versions[hit.Slot]))
                .ToArray();
        });

    private PriorityQueue<int, (float Rank, PointKey Id)> ScanRange(
        float[] query, int from, int to, int top, FilterNode? filter, float? threshold)
    {
        // Min-heap on rank: the worst kept hit is on top; among equal ranks the larger id is the worse one.
        var heap = new PriorityQueue<int, (float Rank, PointKey Id)>(Math.Min(top, to - from) + 1, WorstFirst.Instance);
        for (var slot = from; slot < to; slot++)
        {
            if (filter is not null && !filter.Matches(_ids[slot], _payloads[slot]))
            {
                continue;
            }

            var rank = Rank(query, VectorSpan(slot));
            if (threshold is { } limit && !PassesThreshold(FinalScore(rank), limit))
            {
                continue;
            }

            var entry = (rank, _ids[slot]);
            if (heap.Count < top)
            {
                heap.Enqueue(slot, entry);
            }
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare(entry, worst) > 0)
            {
                heap.DequeueEnqueue(slot, entry);
            }
        }

        return heap;
    }

    /// <summary>A higher-is-better rank for every distance; <see cref="FinalScore"/> turns it into Qdrant's score.</summary>
    private float Rank(ReadOnlySpan<float> query, ReadOnlySpan<float> stored) => Distance switch
    {
        DistanceKind.Cosine or DistanceKind.Dot => VectorMath.Dot(query, stored),
        DistanceKind.Euclid => -VectorMath.SquaredEuclid(query, stored),
        _ => -VectorMath.Manhattan(query, stored),
    };

    /// <summary>Qdrant's post-processing: Euclid reports the distance (square root), Manhattan the absolute sum.</summary>
    private float FinalScore(float rank) => Distance switch
    {
        DistanceKind.Euclid => MathF.Sqrt(MathF.Abs(rank)),
        DistanceKind.Manhattan => MathF.Abs(rank),
        _ => rank,
    };

    /// <summary>Qdrant's <c>check_threshold</c>: strictly better than the threshold.</summary>
    private bool PassesThreshold(float score, float threshold) =>
        DistanceKinds.LargerIsBetter(Distance) ? score > threshold : score < threshold;

    // ---- slots ----

    private PointView View(int slot, bool withVector) =>
        new(_ids[slot], _payloads[slot], withVector ? VectorSpan(slot).ToArray() : null, _versions[slot]);

    private Span<float> VectorSpan(int slot) =>
        _vectorBlocks[slot >> BlockShift].AsSpan((slot & (BlockSize - 1)) * Dimension, Dimension);

    private int AppendSlot(PointKey id)
    {
        var slot = _count;
        if (slot == _ids.Length)
        {
            var capacity = _ids.Length * 2;
            Array.Resize(ref _ids, capacity);
            Array.Resize(ref _payloads, capacity);
            Array.Resize(ref _versions, capacity);
        }

        if ((slot >> BlockShift) == _vectorBlocks.Count)
        {
            _vectorBlocks.Add(new float[BlockSize * Dimension]);
        }

        _ids[slot] = id;
        _slotById[id] = slot;
        _orderedIds.Add(id);
        _count++;
        return slot;
    }

    private void RemoveSlot(PointKey id)
    {
        if (!_slotById.Remove(id, out var slot))
        {
            return;
        }

        _orderedIds.Remove(id);
        var last = _count - 1;
        if (slot != last)
        {
            VectorSpan(last).CopyTo(VectorSpan(slot));
            _ids[slot] = _ids[last];
            _payloads[slot] = _payloads[last];
            _versions[slot] = _versions[last];
            _slotById[_ids[slot]] = slot;
        }

        _payloads[last] = null!;
        _count--;
        if (_count == 0)
        {
            _vectorBlocks.Clear();
        }
    }

    private T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private T Write<T>(Func<T> write)
    {
        _lock.EnterWriteLock();
        try
        {
            return write();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private sealed class WorstFirst : IComparer<(float Rank, PointKey Id)>
    {
        public static WorstFirst Instance { get; } = new();

        public int Compare((float Rank, PointKey Id) x, (float Rank, PointKey Id) y)
        {
            var byRank = x.Rank.CompareTo(y.Rank);
            return byRank != 0 ? byRank : y.Id.CompareTo(x.Id);
        }
    }
}

/// <summary>Qdrant's <c>update_mode</c> of an upsert.</summary>
internal enum UpsertMode
{
    Upsert,
    InsertOnly,
    UpdateOnly,
}

/// <summary>A parsed <c>with_payload</c>: all, none, only some top-level keys, or all but some.</summary>
internal sealed record PayloadSelection(bool Enabled, IReadOnlySet<string>? Keys, bool Exclude)
{
    public static PayloadSelection All { get; } = new(true, null, false);
    public static PayloadSelection None { get; } = new(false, null, false);
}
