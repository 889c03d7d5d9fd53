using RagOperator.Api.V1Alpha1;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;
using ApiDistance = RagOperator.Api.V1Alpha1.Distance;
using QdrantDistance = RagOperator.Qdrant.Models.Distance;

namespace RagOperator.Operator.Provisioning;

/// <summary>
/// What the Qdrant collection on every shard must look like, and how a live collection differs from it (pure).
/// Each shard is one Qdrant cluster holding one Qdrant shard (<c>shard_number: 1</c>) replicated to every pod
/// (<c>replication_factor = spec.replicas</c>); the operator's sharding happens above Qdrant, by cells.
/// </summary>
public static class CollectionParameters
{
    /// <summary>Payload fields the router stamps on every point, indexed as integers so cell filters are fast.</summary>
    public static IReadOnlyList<string> IndexedFields { get; } = [PayloadFields.Cell, PayloadFields.Version];

    public static CreateCollectionRequest Create(VectorCollectionSpec spec) => new(new VectorParams((ulong)spec.Dimension, Convert(spec.Distance)))
    {
        ShardNumber = 1,
        ReplicationFactor = (uint)spec.Replicas,
        HnswConfig = new HnswConfigDiff { M = (ulong)spec.Hnsw.M, EfConstruct = (ulong)spec.Hnsw.EfConstruct, OnDisk = spec.Hnsw.OnDisk },
        QuantizationConfig = Quantization(spec.Quantization),
    };

    /// <summary>The quantization config of the spec, or null for <c>none</c>.</summary>
    public static QuantizationConfig? Quantization(QuantizationSpec quantization) => quantization.Type switch
    {
        QuantizationType.None => null,
        QuantizationType.Scalar => QuantizationConfig.ScalarInt8((float?)quantization.Quantile, quantization.AlwaysRam),
        QuantizationType.Binary => QuantizationConfig.BinaryQuantization(quantization.AlwaysRam),
        QuantizationType.Product => QuantizationConfig.ProductQuantization(
            Convert(quantization.Compression ?? throw new InvalidOperationException("product quantization needs spec.quantization.compression")),
            quantization.AlwaysRam),
        _ => throw new ArgumentOutOfRangeException(nameof(quantization), quantization.Type, "unknown quantization type"),
    };

    /// <summary>
    /// Compares a live collection with the spec: the PATCH that brings the changeable parameters in line (null when
    /// nothing changes), and a sentence for every difference Qdrant cannot apply in place.
    /// </summary>
    public static CollectionDiff Diff(VectorCollectionSpec spec, CollectionInfo live)
    {
        var notInPlace = new List<string>();
        var vectors = live.Config.Params.Vectors;
        if (vectors is null)
            notInPlace.Add("the Qdrant collection has no single unnamed vector; it was not created by rag-operator");
        else
        {
            if (vectors.Size != (ulong)spec.Dimension)
                notInPlace.Add($"vector size is {vectors.Size} but spec.dimension is {spec.Dimension}; Qdrant cannot change the vector size of a collection");
            if (vectors.Distance != Convert(spec.Distance))
                notInPlace.Add($"distance is {vectors.Distance} but spec.distance is {spec.Distance}; Qdrant cannot change the distance of a collection");
        }

        var hnsw = live.Config.HnswConfig;
        var hnswDiff = new HnswConfigDiff
        {
            M = hnsw.M != (ulong)spec.Hnsw.M ? (ulong)spec.Hnsw.M : null,
            EfConstruct = hnsw.EfConstruct != (ulong)spec.Hnsw.EfConstruct ? (ulong)spec.Hnsw.EfConstruct : null,
            OnDisk = (hnsw.OnDisk ?? false) != spec.Hnsw.OnDisk ? spec.Hnsw.OnDisk : null,
        };
        var hnswChanged = hnswDiff.M is not null || hnswDiff.EfConstruct is not null || hnswDiff.OnDisk is not null;

        var desiredQuantization = Quantization(spec.Quantization);
        var quantizationChanged = !QuantizationEquals(desiredQuantization, live.Config.QuantizationConfig);

        // Qdrant records a new replication_factor but moves no data by itself; the replica step (Replication/) places and
        // drops the replicas, and owns write_consistency_factor, which this diff leaves alone.
        var warnings = new List<string>();
        var replicationChanged = live.Config.Params.ReplicationFactor != (uint)spec.Replicas;
        UpdateCollectionRequest? patch = hnswChanged || quantizationChanged || replicationChanged
            ? new UpdateCollectionRequest
            {
                HnswConfig = hnswChanged ? hnswDiff : null,
                QuantizationConfig = quantizationChanged ? desiredQuantization ?? QuantizationConfig.Disabled : null,
                Params = replicationChanged ? new CollectionParamsDiff { ReplicationFactor = (uint)spec.Replicas } : null,
            }
            : null;
        return new CollectionDiff(patch, notInPlace, warnings);
    }

    /// <summary>Payload indexes the collection still lacks.</summary>
    public static IReadOnlyList<string> MissingIndexes(CollectionInfo live) =>
        IndexedFields.Where(field => !live.PayloadSchema.ContainsKey(field)).ToList();

    public static QdrantDistance Convert(ApiDistance distance) => distance switch
    {
        ApiDistance.Cosine => QdrantDistance.Cosine,
        ApiDistance.Dot => QdrantDistance.Dot,
        ApiDistance.Euclid => QdrantDistance.Euclid,
        ApiDistance.Manhattan => QdrantDistance.Manhattan,
        _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, "unknown distance"),
    };

    private static CompressionRatio Convert(ProductCompression compression) => compression switch
    {
        ProductCompression.X4 => CompressionRatio.X4,
        ProductCompression.X8 => CompressionRatio.X8,
        ProductCompression.X16 => CompressionRatio.X16,
        ProductCompression.X32 => CompressionRatio.X32,
        ProductCompression.X64 => CompressionRatio.X64,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression"),
    };

    /// <summary>Value equality of the union (records compare their parts; <c>always_ram</c> unset equals false).</summary>
    private static bool QuantizationEquals(QuantizationConfig? desired, QuantizationConfig? live)
    {
        if (desired is null || live is null || live.IsDisabled) return desired is null && (live is null || live.IsDisabled);
        if (desired.Scalar is { } s)
            return live.Scalar is { } ls && (s.Quantile ?? 1f) == (ls.Quantile ?? 1f) && (s.AlwaysRam ?? false) == (ls.AlwaysRam ?? false);
        if (desired.Product is { } p)
            return live.Product is { } lp && p.Compression == lp.Compression && (p.AlwaysRam ?? false) == (lp.AlwaysRam ?? false);
        if (desired.Binary is { } b)
            return live.Binary is { } lb && (b.AlwaysRam ?? false) == (lb.AlwaysRam ?? false);
        return false;
    }
}

/// <summary>
/// The PATCH to send (null: nothing to change), the differences Qdrant cannot apply in place (they stay until the
/// spec or the collection changes), and warnings about a change that is applied only partly.
/// </summary>
public sealed record CollectionDiff(UpdateCollectionRequest? Patch, IReadOnlyList<string> NotInPlace, IReadOnlyList<string> Warnings);
