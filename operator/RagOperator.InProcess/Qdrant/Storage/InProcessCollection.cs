using RagOperator.InProcess.Qdrant.Filtering;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>A point as read out of a collection (a consistent copy; payloads are immutable and shared).</summary>
internal sealed record PointView(PointKey Id, PayloadObject Payload, PointVectors? Vectors, ulong Version)
{
    /// <summary>The unnamed dense vector, when it was read out.</summary>
    public float[]? Vector => Vectors is not null && Vectors.Dense.TryGetValue(string.Empty, out var vector) ? vector : null;
}

internal sealed record ScoredView(PointKey Id, float Score, PayloadObject Payload, PointVectors? Vectors, ulong Version);

/// <summary>
/// One collection's points in memory. Each dense vector (the unnamed one is <c>""</c>) lives in fixed-size float
/// blocks with a presence flag per slot, each sparse vector in a per-slot array, beside an id→slot map and an
/// ordered id set for scrolling. Deletes swap the last slot into the hole so that slots stay dense for the search
/// loop. A reader/writer lock makes every request atomic: a batch upsert is seen whole or not at all. Each update
/// gets the next operation id, which becomes the point version. Unlike Qdrant, every search is exact (a scan, no
/// HNSW graph or inverted index), and a point lacking the vector a search uses is skipped.
/// </summary>
internal sealed partial class InProcessCollection : IDisposable
{
    private const int BlockShift = 12;
    private const int BlockSize = 1 << BlockShift;

    private static readonly PointKey MaxKey = new(true, UInt128.MaxValue);
    private static readonly PointKey MinKey = new(false, UInt128.Zero);

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, DenseColumn> _dense = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SparseColumn> _sparse = new(StringComparer.Ordinal);
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
        Params = parameters;
        foreach (var (vectorName, vector) in parameters.Vectors)
        {
            _dense[vectorName] = new DenseColumn(checked((int)vector.Size), vector.Distance);
        }

        foreach (var vectorName in parameters.SparseVectors.Keys)
        {
            _sparse[vectorName] = new SparseColumn();
        }
    }

    public string Name { get; }

    /// <summary>The unnamed vector's dimension, else the first dense vector's by name; 0 without dense vectors.</summary>
    public int Dimension => DefaultDense?.Dimension ?? 0;

    public DistanceKind Distance => DefaultDense?.Distance ?? DistanceKind.Dot;

    // Settings are immutable records swapped under the write lock; readers take a snapshot under the read lock.
    public CollectionParamsSettings Params { get; private set; }
    public HnswSettings Hnsw { get; private set; } = new();
    public OptimizerSettings Optimizers { get; private set; } = new();
    public string? QuantizationJson { get; private set; }

    public int Count => Read(() => _count);

    private DenseColumn? DefaultDense =>
        _dense.TryGetValue(string.Empty, out var unnamed) ? unnamed : _dense.OrderBy(entry => entry.Key, StringComparer.Ordinal).Select(entry => entry.Value).FirstOrDefault();

    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// Checks a request's dense vector against the named vector (Qdrant's name, kind and dimension errors otherwise)
    /// and brings it into stored form. The array is changed in place and returned.
    /// </summary>
    public float[] PrepareVector(string name, float[] vector)
    {
        DenseNamed(name).Prepare(vector);
        return vector;
    }

    /// <summary>Checks and pre-processes every vector of a point, as <see cref="PrepareVector"/> does one.</summary>
    public PointVectors PrepareVectors(PointVectors vectors)
    {
        foreach (var (name, vector) in vectors.Dense)
        {
            DenseNamed(name).Prepare(vector);
        }

        foreach (var name in vectors.Sparse.Keys)
        {
            SparseNamed(name);
        }

        return vectors;
    }

    private DenseColumn DenseNamed(string name) =>
        _dense.TryGetValue(name, out var column) ? column
        : _sparse.ContainsKey(name) ? throw QdrantHttpError.WrongSparse()
        : throw QdrantHttpError.VectorNameNotExists(name);

    private SparseColumn SparseNamed(string name) =>
        _sparse.TryGetValue(name, out var column) ? column
        : _dense.ContainsKey(name) ? throw QdrantHttpError.WrongSparse()
        : throw QdrantHttpError.VectorNameNotExists(name);

    /// <summary>Whether the collection has a vector (dense or sparse) of this name.</summary>
    public bool HasVector(string name) => _dense.ContainsKey(name) || _sparse.ContainsKey(name);

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
    /// Inserts or replaces the points (vectors already validated and pre-processed); a replaced point loses the
    /// vectors the new one lacks, as in Qdrant. With <paramref name="updateFilter"/>, an existing point is replaced
    /// only if it matches; new points are always inserted. <paramref name="mode"/> restricts the operation to new or
    /// to existing points.
    /// </summary>
    public ulong Upsert(
        IReadOnlyList<(PointKey Id, PointVectors Vectors, PayloadObject Payload)> points, FilterNode? updateFilter = null,
        UpsertMode mode = UpsertMode.Upsert) =>
        Write(() =>
        {
            var operation = ++_lastOperationId;
            foreach (var (id, vectors, payload) in points)
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

                SetVectors(slot, vectors);
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

    // ---- slots ----

    private void SetVectors(int slot, PointVectors vectors)
    {
        foreach (var (name, column) in _dense)
        {
            column.Set(slot, vectors.Dense.GetValueOrDefault(name));
        }

        foreach (var (name, column) in _sparse)
        {
            column.Values[slot] = vectors.Sparse.GetValueOrDefault(name);
        }
    }

    private int AppendSlot(PointKey id)
    {
        var slot = _count;
        if (slot == _ids.Length)
        {
            var capacity = _ids.Length * 2;
            Array.Resize(ref _ids, capacity);
            Array.Resize(ref _payloads, capacity);
            Array.Resize(ref _versions, capacity);
            foreach (var column in _sparse.Values)
            {
                Array.Resize(ref column.Values, capacity);
            }
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
            foreach (var column in _dense.Values)
            {
                column.Move(last, slot);
            }

            foreach (var column in _sparse.Values)
            {
                column.Values[slot] = column.Values[last];
            }

            _ids[slot] = _ids[last];
            _payloads[slot] = _payloads[last];
            _versions[slot] = _versions[last];
            _slotById[_ids[slot]] = slot;
        }

        foreach (var column in _dense.Values)
        {
            column.Set(last, null);
        }

        foreach (var column in _sparse.Values)
        {
            column.Values[last] = null;
        }

        _payloads[last] = null!;
        _count--;
        if (_count == 0)
        {
            foreach (var column in _dense.Values)
            {
                column.Clear();
            }
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
}

/// <summary>Qdrant's <c>update_mode</c> of an upsert.</summary>
internal enum UpsertMode
{
    Upsert,
    InsertOnly,
    UpdateOnly,
}
