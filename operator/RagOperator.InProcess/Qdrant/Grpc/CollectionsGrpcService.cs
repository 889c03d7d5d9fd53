using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Handlers;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Grpc;

// The package marks on_disk, on_disk_payload and always_ram obsolete in favour of `memory`; the server keeps the
// older settings (as its REST face reports them), so it reads and echoes those.
#pragma warning disable CS0612

/// <summary>
/// <c>qdrant.Collections</c>: get, list, create, update, delete and exists, over the same collections as the REST face,
/// and a collection's cluster info and setup (replicate, move, abort a transfer, drop a replica) over the same
/// bookkeeping. Single, named and sparse vectors are read and reported as over REST (see the <c>.Vectors</c> part).
/// Aliases and shard keys answer <c>Unimplemented</c>; the features this server lacks on both faces (multivectors,
/// custom sharding, strict mode, metadata) are refused. Quantization round-trips through the REST face's JSON form,
/// so a collection reads back the same over both.
/// </summary>
[BindServiceMethod(typeof(CollectionsGrpcService), nameof(BindService))]
internal partial class CollectionsGrpcService(InProcessQdrantCollections collections, InProcessQdrantCluster cluster)
{
    private const string Service = "qdrant.Collections";

    /// <summary>See <see cref="PointsGrpcService.BindService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, CollectionsGrpcService? service)
    {
        binder.AddMethod(QdrantGrpcMethods.Unary<GetCollectionInfoRequest, GetCollectionInfoResponse>(Service, "Get"), service is null ? null : service.Get);
        binder.AddMethod(QdrantGrpcMethods.Unary<ListCollectionsRequest, ListCollectionsResponse>(Service, "List"), service is null ? null : service.List);
        binder.AddMethod(QdrantGrpcMethods.Unary<CreateCollection, CollectionOperationResponse>(Service, "Create"), service is null ? null : service.Create);
        binder.AddMethod(QdrantGrpcMethods.Unary<UpdateCollection, CollectionOperationResponse>(Service, "Update"), service is null ? null : service.Update);
        binder.AddMethod(QdrantGrpcMethods.Unary<DeleteCollection, CollectionOperationResponse>(Service, "Delete"), service is null ? null : service.Delete);
        binder.AddMethod(
            QdrantGrpcMethods.Unary<CollectionExistsRequest, CollectionExistsResponse>(Service, "CollectionExists"),
            service is null ? null : service.CollectionExists);
        binder.AddMethod(
            QdrantGrpcMethods.Unary<CollectionClusterInfoRequest, CollectionClusterInfoResponse>(Service, "CollectionClusterInfo"),
            service is null ? null : service.CollectionClusterInfo);
        binder.AddMethod(
            QdrantGrpcMethods.Unary<UpdateCollectionClusterSetupRequest, UpdateCollectionClusterSetupResponse>(Service, "UpdateCollectionClusterSetup"),
            service is null ? null : service.UpdateCollectionClusterSetup);
    }

    public virtual Task<ListCollectionsResponse> List(ListCollectionsRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var response = new ListCollectionsResponse();
        response.Collections.AddRange(collections.Names.Select(name => new CollectionDescription { Name = name }));
        response.Time = Seconds(started);
        return Task.FromResult(response);
    }

    public virtual Task<CollectionExistsResponse> CollectionExists(CollectionExistsRequest request, ServerCallContext context) =>
        Task.FromResult(new CollectionExistsResponse { Result = new() { Exists = collections.Exists(request.CollectionName) } });

    public virtual Task<CollectionOperationResponse> Delete(DeleteCollection request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var removed = collections.Delete(request.CollectionName, cluster);
        return Task.FromResult(new CollectionOperationResponse { Result = removed, Time = Seconds(started) });
    }

    public virtual Task<CollectionOperationResponse> Create(CreateCollection request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        if (request.HasShardingMethod && request.ShardingMethod == ShardingMethod.Custom)
        {
            throw QdrantHttpError.Unsupported("Custom sharding");
        }

        var (dense, named) = ReadVectorsConfig(request.VectorsConfig);
        var sparse = ReadSparseConfig(request.SparseVectorsConfig);
        if (dense.Keys.FirstOrDefault(sparse.ContainsKey) is { } clash)
        {
            throw QdrantHttpError.BadInput($"Vector name `{clash}` is used for both a dense and a sparse vector");
        }

        var parameters = new CollectionParamsSettings
        {
            Vectors = dense,
            NamedVectors = named,
            SparseVectors = sparse,
            ShardNumber = request.HasShardNumber ? Math.Max(1, request.ShardNumber) : 1,
            ReplicationFactor = request.HasReplicationFactor ? Math.Max(1, request.ReplicationFactor) : 1,
            WriteConsistencyFactor = request.HasWriteConsistencyFactor ? Math.Max(1, request.WriteConsistencyFactor) : 1,
            OnDiskPayload = !request.HasOnDiskPayload || request.OnDiskPayload,
        };
        var hnsw = request.HnswConfig is { } hnswDiff ? ApplyHnsw(new HnswSettings(), hnswDiff) : null;
        var optimizers = request.OptimizersConfig is { } optimizersDiff ? ApplyOptimizers(new OptimizerSettings(), optimizersDiff) : null;
        var quantization = request.QuantizationConfig is { } config ? QuantizationJson(config) : null;
        collections.Create(request.CollectionName, parameters, hnsw, optimizers, quantization, cluster);
        return Task.FromResult(new CollectionOperationResponse { Result = true, Time = Seconds(started) });
    }

    /// <summary>
    /// Applies the diffs in one step, as the REST face's PATCH does: a bad value anywhere changes nothing. Vector diffs
    /// reach the named vectors (the single form the unnamed one) and sparse diffs the modifier and index settings.
    /// </summary>
    public virtual Task<CollectionOperationResponse> Update(UpdateCollection request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = collections.Named(request.CollectionName);
        if (request.StrictModeConfig is not null || request.Metadata.Count > 0)
        {
            throw QdrantHttpError.Unsupported(request.StrictModeConfig is not null ? "Strict mode" : "Collection metadata");
        }

        var parameters = collection.Params;
        var hnsw = collection.Hnsw;
        string? quantization = collection.QuantizationJson;
        var quantizationChanged = false;
        if (request.VectorsConfig is { } vectors)
        {
            parameters = ApplyVectorsDiff(parameters, vectors);
        }

        if (request.SparseVectorsConfig is { } sparseDiff)
        {
            parameters = ApplySparseDiff(parameters, sparseDiff);
        }

        if (request.Params is { } paramsDiff)
        {
            parameters = parameters with
            {
                ReplicationFactor = paramsDiff.HasReplicationFactor ? Math.Max(1, paramsDiff.ReplicationFactor) : parameters.ReplicationFactor,
                WriteConsistencyFactor = paramsDiff.HasWriteConsistencyFactor ? Math.Max(1, paramsDiff.WriteConsistencyFactor) : parameters.WriteConsistencyFactor,
                OnDiskPayload = paramsDiff.HasOnDiskPayload ? paramsDiff.OnDiskPayload : parameters.OnDiskPayload,
            };
        }

        if (request.HnswConfig is { } hnswDiff) hnsw = ApplyHnsw(hnsw, hnswDiff);
        var optimizers = request.OptimizersConfig is { } optimizersDiff ? ApplyOptimizers(collection.Optimizers, optimizersDiff) : collection.Optimizers;
        if (request.QuantizationConfig is { } quantizationDiff)
        {
            quantization = QuantizationJson(quantizationDiff);
            quantizationChanged = true;
        }

        collection.Configure(parameters, hnsw, optimizers, quantization, quantizationChanged);
        return Task.FromResult(new CollectionOperationResponse { Result = true, Time = Seconds(started) });
    }

    public virtual Task<GetCollectionInfoResponse> Get(GetCollectionInfoRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = collections.Named(request.CollectionName);
        var parameters = collection.Params;
        var hnsw = collection.Hnsw;
        var optimizers = collection.Optimizers;
        var config = new CollectionConfig
        {
            Params = new CollectionParams
            {
                ShardNumber = parameters.ShardNumber,
                ReplicationFactor = parameters.ReplicationFactor,
                WriteConsistencyFactor = parameters.WriteConsistencyFactor,
                OnDiskPayload = parameters.OnDiskPayload,
                VectorsConfig = VectorsConfigOf(parameters),
                SparseVectorsConfig = SparseConfigOf(parameters),
            },
            HnswConfig = new HnswConfigDiff
            {
                M = hnsw.M, EfConstruct = hnsw.EfConstruct, FullScanThreshold = hnsw.FullScanThreshold,
                MaxIndexingThreads = hnsw.MaxIndexingThreads, OnDisk = hnsw.OnDisk,
            },
            OptimizerConfig = new OptimizersConfigDiff
            {
                DeletedThreshold = optimizers.DeletedThreshold, VacuumMinVectorNumber = optimizers.VacuumMinVectorNumber,
                DefaultSegmentNumber = optimizers.DefaultSegmentNumber, FlushIntervalSec = optimizers.FlushIntervalSec,
            },
            WalConfig = new WalConfigDiff { WalCapacityMb = 32, WalSegmentsAhead = 0 },
            QuantizationConfig = collection.QuantizationJson is { } json ? QuantizationConfig(json) : null,
        };
        if (hnsw.PayloadM is { } payloadM)
        {
            config.HnswConfig.PayloadM = payloadM;
        }

        if (optimizers.MaxSegmentSize is { } maxSegment)
        {
            config.OptimizerConfig.MaxSegmentSize = maxSegment;
        }

        if (optimizers.IndexingThreshold is { } indexing)
        {
            config.OptimizerConfig.IndexingThreshold = indexing;
        }

        var info = new CollectionInfo
        {
            Status = CollectionStatus.Green,
            OptimizerStatus = new OptimizerStatus { Ok = true },
            SegmentsCount = 1,
            PointsCount = (ulong)collection.Count,
            // No HNSW graph is built: every search is exact, so no vector counts as indexed.
            IndexedVectorsCount = 0,
            Config = config,
        };
        foreach (var (field, index, points) in collection.PayloadSchema())
        {
            info.PayloadSchema[field] = new PayloadSchemaInfo
            {
                DataType = Enum.Parse<PayloadSchemaType>(index.DataType, ignoreCase: true),
                Points = (ulong)points,
            };
        }

        return Task.FromResult(new GetCollectionInfoResponse { Result = info, Time = Seconds(started) });
    }

    private static HnswSettings ApplyHnsw(HnswSettings current, HnswConfigDiff diff)
    {
        if (diff.HasEfConstruct && diff.EfConstruct < 4)
        {
            throw QdrantHttpError.BadInput($"Validation error: hnsw_config.ef_construct: value {diff.EfConstruct} invalid, must be 4 or more");
        }

        if (diff.HasFullScanThreshold && diff.FullScanThreshold < 10)
        {
            throw QdrantHttpError.BadInput(
                $"Validation error: hnsw_config.full_scan_threshold: value {diff.FullScanThreshold} invalid, must be 10 or more");
        }

        return current with
        {
            M = diff.HasM ? diff.M : current.M,
            EfConstruct = diff.HasEfConstruct ? diff.EfConstruct : current.EfConstruct,
            FullScanThreshold = diff.HasFullScanThreshold ? diff.FullScanThreshold : current.FullScanThreshold,
            MaxIndexingThreads = diff.HasMaxIndexingThreads ? diff.MaxIndexingThreads : current.MaxIndexingThreads,
            OnDisk = diff.HasOnDisk ? diff.OnDisk : current.OnDisk,
            PayloadM = diff.HasPayloadM ? diff.PayloadM : current.PayloadM,
        };
    }

    private static OptimizerSettings ApplyOptimizers(OptimizerSettings current, OptimizersConfigDiff diff)
    {
        if (diff.HasDeletedThreshold && diff.DeletedThreshold is < 0 or > 1)
        {
            throw QdrantHttpError.BadInput(
                $"Validation error: optimizers_config.deleted_threshold: value {diff.DeletedThreshold} invalid, must be in range 0..1");
        }

        return current with
        {
            DeletedThreshold = diff.HasDeletedThreshold ? diff.DeletedThreshold : current.DeletedThreshold,
            VacuumMinVectorNumber = diff.HasVacuumMinVectorNumber ? diff.VacuumMinVectorNumber : current.VacuumMinVectorNumber,
            DefaultSegmentNumber = diff.HasDefaultSegmentNumber ? diff.DefaultSegmentNumber : current.DefaultSegmentNumber,
            MaxSegmentSize = diff.HasMaxSegmentSize ? diff.MaxSegmentSize : current.MaxSegmentSize,
            IndexingThreshold = diff.HasIndexingThreshold ? diff.IndexingThreshold : current.IndexingThreshold,
            FlushIntervalSec = diff.HasFlushIntervalSec ? diff.FlushIntervalSec : current.FlushIntervalSec,
            MaxOptimizationThreads = diff.MaxOptimizationThreads?.VariantCase == MaxOptimizationThreads.VariantOneofCase.Value
                ? diff.MaxOptimizationThreads.Value
                : current.MaxOptimizationThreads,
        };
    }

    /// <summary>A quantization config in the REST face's JSON form, which the collection stores.</summary>
    private static string QuantizationJson(QuantizationConfig config)
    {
        var (kind, body) = config.QuantizationCase switch
        {
            global::Qdrant.Client.Grpc.QuantizationConfig.QuantizationOneofCase.Scalar => ("scalar", Scalar(config.Scalar)),
            global::Qdrant.Client.Grpc.QuantizationConfig.QuantizationOneofCase.Product => ("product", Product(config.Product)),
            global::Qdrant.Client.Grpc.QuantizationConfig.QuantizationOneofCase.Binary => ("binary", AlwaysRam(new JsonObject(), config.Binary.HasAlwaysRam, config.Binary.AlwaysRam)),
            _ => throw QdrantHttpError.Unsupported("This quantization over gRPC"),
        };
        return new JsonObject { [kind] = body }.ToJsonString();
    }

    /// <summary>An update's quantization: one of the kinds, or null (the REST face's <c>"Disabled"</c>) to remove it.</summary>
    private static string? QuantizationJson(QuantizationConfigDiff diff) => diff.QuantizationCase switch
    {
        QuantizationConfigDiff.QuantizationOneofCase.Scalar => QuantizationJson(new QuantizationConfig { Scalar = diff.Scalar }),
        QuantizationConfigDiff.QuantizationOneofCase.Product => QuantizationJson(new QuantizationConfig { Product = diff.Product }),
        QuantizationConfigDiff.QuantizationOneofCase.Binary => QuantizationJson(new QuantizationConfig { Binary = diff.Binary }),
        QuantizationConfigDiff.QuantizationOneofCase.Disabled => null,
        _ => throw QdrantHttpError.BadInput("Malformed QuantizationConfigDiff: no variant is set"),
    };

    private static JsonObject Scalar(ScalarQuantization scalar)
    {
        if (scalar.Type != QuantizationType.Int8)
        {
            throw QdrantHttpError.BadInput("Malformed ScalarQuantization: type must be Int8");
        }

        if (scalar.HasQuantile && scalar.Quantile is < 0.5f or > 1.0f)
        {
            throw QdrantHttpError.BadInput(
                $"Validation error: quantization_config.scalar.quantile: value {scalar.Quantile} invalid, must be from 0.5 to 1.0");
        }

        var body = new JsonObject { ["type"] = "int8" };
        if (scalar.HasQuantile)
        {
            body["quantile"] = scalar.Quantile;
        }

        return AlwaysRam(body, scalar.HasAlwaysRam, scalar.AlwaysRam);
    }

    private static JsonObject Product(ProductQuantization product) =>
        AlwaysRam(new JsonObject { ["compression"] = product.Compression.ToString().ToLowerInvariant() }, product.HasAlwaysRam, product.AlwaysRam);

    private static JsonObject AlwaysRam(JsonObject body, bool has, bool value)
    {
        if (has)
        {
            body["always_ram"] = value;
        }

        return body;
    }

    private static QuantizationConfig QuantizationConfig(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var config = new QuantizationConfig();
        if (root["scalar"] is JsonObject scalar)
        {
            config.Scalar = new ScalarQuantization { Type = QuantizationType.Int8 };
            if (scalar["quantile"] is { } quantile)
            {
                config.Scalar.Quantile = quantile.GetValue<float>();
            }

            if (scalar["always_ram"] is { } alwaysRam)
            {
                config.Scalar.AlwaysRam = alwaysRam.GetValue<bool>();
            }
        }
        else if (root["product"] is JsonObject product)
        {
            config.Product = new ProductQuantization
            {
                Compression = Enum.Parse<CompressionRatio>(product["compression"]!.GetValue<string>(), ignoreCase: true),
            };
            if (product["always_ram"] is { } alwaysRam)
            {
                config.Product.AlwaysRam = alwaysRam.GetValue<bool>();
            }
        }
        else if (root["binary"] is JsonObject binary)
        {
            config.Binary = new BinaryQuantization();
            if (binary["always_ram"] is { } alwaysRam)
            {
                config.Binary.AlwaysRam = alwaysRam.GetValue<bool>();
            }
        }

        return config;
    }

    private static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
}
