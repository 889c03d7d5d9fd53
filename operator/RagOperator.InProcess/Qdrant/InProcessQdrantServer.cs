using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using RagOperator.InProcess.Qdrant.Grpc;
using RagOperator.InProcess.Qdrant.Handlers;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant;

/// <summary>
/// A Qdrant-compatible server in the test process (Kestrel on 127.0.0.1), standing in for one Qdrant shard. It has
/// Qdrant's two faces over one storage: REST on <see cref="BaseUri"/> and gRPC (HTTP/2) on <see cref="GrpcUri"/>,
/// whose services and their limits are described on <see cref="PointsGrpcService"/>, <see cref="CollectionsGrpcService"/>
/// and <see cref="HealthGrpcService"/>; faults, API keys and the cluster's replica gate apply to both alike
/// (<see cref="QdrantGrpcGate"/>). The REST face follows Qdrant 1.19's REST API (<c>shared/reference/qdrant-openapi-1.19.0.json</c>) for the endpoints the
/// project uses — paths, JSON shapes, status codes and error wording:
/// <list type="bullet">
/// <item><c>GET /</c>, <c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> (open even with an API key, like Qdrant's whitelist).</item>
/// <item>Collections: list, create (<c>PUT</c>), info, exists, update (<c>PATCH</c>), delete; payload index create/delete.
/// Vectors: the unnamed single vector, or a map of named dense vectors (each with its own size, distance, and echoed
/// <c>hnsw_config</c>, <c>quantization_config</c>, <c>on_disk</c>), and named sparse vectors (<c>modifier</c>
/// <c>idf</c> or <c>none</c>, index settings echoed); a point may lack any of them.</item>
/// <item>Points: upsert (list and batch forms, <c>update_filter</c>, <c>update_mode</c>), retrieve, get by id, delete by ids or
/// filter, set/overwrite/delete payload (delete: top-level keys), scroll (id order, inclusive <c>offset</c>, <c>next_page_offset</c>), count.</item>
/// <item>Search: <c>/points/query</c> and <c>/points/query/batch</c> (dense or sparse vector, plain or
/// <c>{"nearest": ...}</c>, with <c>using</c>; nested <c>prefetch</c>; <c>{"fusion": "rrf"|"dbsf"}</c> and
/// <c>{"rrf": {k, weights}}</c>), and the legacy <c>/points/search</c> and <c>/points/search/batch</c>, which Qdrant
/// 1.19 still serves. Sparse scores are the dot product over shared indices (points sharing none are not returned);
/// with <c>idf</c> each query value is weighted by Qdrant's <c>ln((n − df + 0.5) / (df + 0.5) + 1)</c> over the
/// collection's points holding that sparse vector. RRF uses Qdrant's <c>1 / (position + k)</c> with k = 2; DBSF maps
/// each prefetch's scores from mean ± 3 sample standard deviations onto [0, 1] and sums them. The root filter is
/// merged into every prefetch; <c>offset</c> applies to the root only; a fused list keeps scores at or above
/// <c>score_threshold</c>.</item>
/// <item>Filters: must / should / must_not / min_should nesting; <c>match</c> value / any / except; numeric <c>range</c>;
/// <c>has_id</c>; <c>is_empty</c>; <c>is_null</c>; <c>nested</c>; dotted and <c>[]</c> key paths.</item>
/// <item>Scores: Cosine normalises vectors on upsert and scores by dot product; Dot scores by dot product (both
/// higher-is-better); Euclid returns the L2 distance and Manhattan the L1 distance (lower-is-better);
/// <c>score_threshold</c> is strict, as Qdrant's <c>check_threshold</c>.</item>
/// <item>Cluster mode (<see cref="Cluster"/>): <c>GET /cluster</c>, <c>DELETE /cluster/peer/{id}</c>,
/// <c>GET|POST /collections/{name}/cluster</c> (replicate_shard, move_shard, drop_replica, abort_transfer).</item>
/// <item>Snapshots: create, list, download, delete, recover from a URL (<c>PUT .../snapshots/recover</c>) or an upload
/// (<c>POST .../snapshots/upload</c>), with SHA-256 checksums.</item>
/// <item>Authentication: the <c>api-key</c> header or <c>Authorization: Bearer</c>; 401 plain text when missing or wrong,
/// 403 for a write with the read-only key.</item>
/// </list>
/// Where it departs from the real Qdrant:
/// <list type="bullet">
/// <item>No HNSW index and no sparse inverted index: every search is exact (brute force, SIMD, parallel above ~1M
/// vector components), so results are the true nearest neighbours; <c>indexed_vectors_count</c> is always 0. HNSW,
/// quantization, sparse index, optimizer and WAL settings are validated and echoed in the collection info but change
/// nothing. IDF statistics are computed over the whole collection at query time (Qdrant keeps them per segment of its
/// index; with one segment the numbers agree), and scores are summed in f32 in index order, so the last digit may
/// differ from Qdrant's.</item>
/// <item>Equal scores, fused ones included, are ordered by ascending id (Qdrant leaves ties unordered).</item>
/// <item>No persistence; collection status is always <c>green</c> and <c>segments_count</c> 1.</item>
/// <item>Cluster mode is bookkeeping: peers are added by tests or the Sandbox (<see cref="InProcessQdrantCluster.AddPeer"/>), every
/// replica serves the server's one copy of the data, a transfer completes (or fails, on request) after
/// <see cref="InProcessQdrantCluster.TransferDuration"/>, Dead replicas on reachable peers recover by themselves, points are
/// not split between shards (each shard reports a share of the count), and there is no Raft, no resharding, no custom
/// shard keys. The replica states do gate point operations (no Active replica: reads and writes fail; fewer replicas
/// taking updates than <c>write_consistency_factor</c>: writes fail) with a 500 "Service internal error"; Qdrant's own
/// wording differs. Whatever peer the request reaches, the answer is the same (Qdrant forwards to the replicas).
/// Cluster error messages are worded after Qdrant's but not verbatim.</item>
/// <item>Snapshot files are this server's own JSON format, not Qdrant's tar archive, and are kept in memory; partial and
/// shard-level snapshots, full-storage snapshots and <c>priority</c> handling are absent (a recovery always replaces the
/// collection's data with the snapshot's).</item>
/// <item>Every write is applied before the reply: <c>wait=false</c> only changes the status to <c>acknowledged</c>;
/// <c>ordering</c>, <c>timeout</c> and <c>consistency</c> are accepted and ignored.</item>
/// <item>Only float32 dense vectors and float sparse vectors. Multivectors, datatypes, inference objects,
/// <c>lookup_from</c>, custom shard keys, query by point id, recommend/discover/context/order_by/formula/sample queries, MMR,
/// <c>order_by</c> scrolling, geo / values_count / full-text / datetime conditions, <c>has_vector</c>, setting a
/// payload under <c>key</c>, and queries without <c>query</c> answer 400 "Bad request: ... is not supported by the
/// in-process Qdrant server".</item>
/// <item>A key path <c>a.b</c> does not look through arrays (write <c>a[].b</c>); <c>with_payload</c> include/exclude
/// lists select top-level keys only.</item>
/// <item>Numbers in payloads are echoed with their original text (Qdrant re-serialises them).</item>
/// <item>Content-Type is not checked; aliases, strict mode, metadata, facets, telemetry and metrics endpoints are absent
/// (404).</item>
/// <item>Validation messages for out-of-range values follow Qdrant's "Validation error in JSON body: [path: ...]" form,
/// but the exact field path and wording may differ from Qdrant's for less common fields.</item>
/// </list>
/// Faults (<see cref="Faults"/>) can make it slow, erroring or unreachable while tests run.
/// </summary>
public sealed class InProcessQdrantServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _downloads;

    private InProcessQdrantServer(
        WebApplication app, Uri baseUri, Uri grpcUri, QdrantFaults faults, InProcessQdrantCollections collections,
        InProcessQdrantCluster cluster, HttpClient downloads)
    {
        _app = app;
        BaseUri = baseUri;
        GrpcUri = grpcUri;
        Faults = faults;
        Collections = collections;
        Cluster = cluster;
        _downloads = downloads;
    }

    /// <summary>Base URI ending in '/', e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Base URI of the gRPC face, e.g. <c>http://127.0.0.1:40124/</c> (https when TLS is on).</summary>
    public Uri GrpcUri { get; }

    /// <summary>
    /// The gRPC endpoint of whichever of <paramref name="servers"/> serves REST at <paramref name="rest"/> (a real shard
    /// serves gRPC on 6334 of its host; these listen on free ports); an endpoint of none of them stays as it is.
    /// </summary>
    public static Uri GrpcAddressAmong(IEnumerable<InProcessQdrantServer> servers, Uri rest) =>
        servers.FirstOrDefault(server => server.BaseUri.Port == rest.Port)?.GrpcUri ?? rest;

    public QdrantFaults Faults { get; }

    /// <summary>Direct, fault-free access to the stored data for assertions.</summary>
    public InProcessQdrantCollections Collections { get; }

    /// <summary>The cluster this server is a peer of: peers, shard replicas and transfers (Qdrant's cluster mode).</summary>
    public InProcessQdrantCluster Cluster { get; }

    public static async Task<InProcessQdrantServer> StartAsync(
        InProcessQdrantOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InProcessQdrantOptions();
        var faults = new QdrantFaults(options.Seed);
        var collections = new InProcessQdrantCollections();
        // Peer ids are large random numbers in Qdrant; here they derive from the seed so runs repeat.
        var cluster = new InProcessQdrantCluster((ulong)new Random(options.Seed).NextInt64(1_000_000, 1L << 52), options.Seed);
        var snapshots = new SnapshotStore(cluster.LocalPeerId, TimeProvider.System);
        var downloads = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
        var api = new QdrantApi(options, faults, collections, cluster, snapshots, downloads);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(InProcessQdrantServer).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // Batches of points are hundreds of KiB: windows of a few MiB let a message arrive without waiting for
            // window updates (Qdrant's gRPC server, hyper, also opens its windows wide).
            kestrel.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (options.Certificate is { } certificate) listen.UseHttps(certificate);
            });
            kestrel.Listen(IPAddress.Loopback, options.GrpcPort, listen =>
            {
                // Plain-text gRPC is HTTP/2 with prior knowledge, so this port speaks nothing else.
                listen.Protocols = HttpProtocols.Http2;
                if (options.Certificate is { } certificate) listen.UseHttps(certificate);
            });
        });
        builder.Services.AddSingleton(options).AddSingleton(faults).AddSingleton(collections).AddSingleton(cluster).AddSingleton(snapshots);
        builder.Services.AddSingleton<QdrantGrpcGate>();
        builder.Services.AddSingleton<PointsGrpcService>().AddSingleton<CollectionsGrpcService>().AddSingleton<HealthGrpcService>()
            .AddSingleton<SnapshotsGrpcService>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<QdrantGrpcGate>();
            grpc.MaxReceiveMessageSize = (int)Math.Min(options.MaxRequestBodyBytes, int.MaxValue);
            grpc.MaxSendMessageSize = null;
        });
        var app = builder.Build();
        var grpcPort = 0;

        // One pipeline, two faces: requests on the gRPC port go to the gRPC endpoints, all others to the REST handler.
        app.Use((context, next) => context.Connection.LocalPort == grpcPort ? next(context) : api.HandleAsync(context));
        app.MapGrpcService<PointsGrpcService>();
        app.MapGrpcService<CollectionsGrpcService>();
        app.MapGrpcService<HealthGrpcService>();
        app.MapGrpcService<SnapshotsGrpcService>();
        await app.StartAsync(cancellationToken);

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address.TrimEnd('/') + "/"))
            .ToList();
        var baseUri = addresses[0];
        var grpcUri = addresses[1];
        grpcPort = grpcUri.Port;
        cluster.SetLocalUri(baseUri);
        return new InProcessQdrantServer(app, baseUri, grpcUri, faults, collections, cluster, downloads);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _downloads.Dispose();
        Collections.Dispose();
    }
}
