using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant;

/// <summary>A stored point, for test assertions. <see cref="Id"/> is canonical (decimal or lower-case UUID).</summary>
public sealed record InProcessPoint(string Id, float[] Vector, JsonObject Payload, ulong Version);

/// <summary>
/// The collections of an <see cref="InProcessQdrantServer"/>, for direct inspection by tests (no HTTP, no faults).
/// Vectors of Cosine collections are the normalised ones Qdrant stores.
/// </summary>
public sealed class InProcessQdrantCollections : IDisposable
{
    private readonly ConcurrentDictionary<string, InProcessCollection> _collections = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _collections.Keys.Order(StringComparer.Ordinal).ToArray();

    public bool Exists(string collection) => _collections.ContainsKey(collection);

    public int PointCount(string collection) => Require(collection).Count;

    public int Dimension(string collection) => Require(collection).Dimension;

    /// <summary>The distance name as Qdrant spells it (<c>Cosine</c>, <c>Euclid</c>, <c>Dot</c>, <c>Manhattan</c>).</summary>
    public string Distance(string collection) => Require(collection).Distance.ToString();

    /// <summary>Payload indexes: field name → Qdrant schema type (e.g. <c>integer</c>).</summary>
    public IReadOnlyDictionary<string, string> PayloadIndexes(string collection) =>
        Require(collection).PayloadSchema().ToDictionary(entry => entry.Field, entry => entry.Index.DataType, StringComparer.Ordinal);

    /// <summary>The quantization config as last set (JSON), or null when quantization is off.</summary>
    public JsonNode? Quantization(string collection) =>
        Require(collection).QuantizationJson is { } json ? JsonNode.Parse(json) : null;

    /// <summary>The HNSW <c>m</c> and <c>ef_construct</c> last set.</summary>
    public (ulong M, ulong EfConstruct, bool OnDisk) Hnsw(string collection)
    {
        var hnsw = Require(collection).Hnsw;
        return (hnsw.M, hnsw.EfConstruct, hnsw.OnDisk);
    }

    public InProcessPoint? GetPoint(string collection, ulong id) => ToPublic(Require(collection).Get(PointKey.FromNumber(id)));

    public InProcessPoint? GetPoint(string collection, Guid id) => ToPublic(Require(collection).Get(PointKey.FromUuid(id)));

    /// <summary>By canonical id text (decimal or UUID).</summary>
    public InProcessPoint? GetPoint(string collection, string id) =>
        PointKey.TryParse(id, out var key) ? ToPublic(Require(collection).Get(key)) : null;

    /// <summary>Every point, in Qdrant's id order.</summary>
    public IReadOnlyList<InProcessPoint> GetPoints(string collection) =>
        Require(collection).All().Select(point => ToPublic(point)!).ToArray();

    public void Dispose()
    {
        foreach (var collection in _collections.Values)
        {
            collection.Dispose();
        }

        _collections.Clear();
    }

    internal bool TryGet(string name, [NotNullWhen(true)] out InProcessCollection? collection) =>
        _collections.TryGetValue(name, out collection);

    /// <summary>The collection a request names, on either face; Qdrant's 404 when it does not exist.</summary>
    internal InProcessCollection Named(string name) =>
        _collections.TryGetValue(name, out var collection) ? collection : throw QdrantHttpError.CollectionNotFound(name);

    internal bool TryAdd(InProcessCollection collection) => _collections.TryAdd(collection.Name, collection);

    /// <summary>Creates a collection (REST and gRPC alike) and registers its shards with the cluster.</summary>
    internal void Create(
        string name, CollectionParamsSettings parameters, HnswSettings? hnsw, OptimizerSettings? optimizers, string? quantizationJson,
        InProcessQdrantCluster cluster)
    {
        var collection = new InProcessCollection(name, parameters);
        collection.Configure(hnsw: hnsw, optimizers: optimizers, quantizationJson: quantizationJson, setQuantization: true);
        if (!TryAdd(collection))
        {
            collection.Dispose();
            throw QdrantHttpError.AlreadyExists($"Collection `{name}` already exists!");
        }

        cluster.OnCollectionCreated(name, parameters.ShardNumber, parameters.ReplicationFactor);
    }

    /// <summary>Deletes a collection and its shards in the cluster; false when there was none.</summary>
    internal bool Delete(string name, InProcessQdrantCluster cluster)
    {
        var removed = TryRemove(name);
        if (removed)
        {
            cluster.OnCollectionDeleted(name);
        }

        return removed;
    }

    /// <summary>Puts a restored collection in place of any collection of the same name.</summary>
    internal void Replace(InProcessCollection collection) => _collections[collection.Name] = collection;

    // Removed collections are not disposed: requests already holding them finish against the orphan.
    internal bool TryRemove(string name) => _collections.TryRemove(name, out _);

    private InProcessCollection Require(string collection) =>
        _collections.TryGetValue(collection, out var found)
            ? found
            : throw new KeyNotFoundException($"The in-process Qdrant has no collection `{collection}`");

    private static InProcessPoint? ToPublic(PointView? point) =>
        point is null ? null : new InProcessPoint(point.Id.ToString(), point.Vector ?? [], point.Payload.ToJsonObject(), point.Version);
}
