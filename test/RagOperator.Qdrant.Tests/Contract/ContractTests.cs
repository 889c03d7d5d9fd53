using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;
using RagOperator.TestSupport.OpenApi;

namespace RagOperator.Qdrant.Tests.Contract;

/// <summary>
/// Every request the client sends, and every response the in-process server gives, validates against the
/// schemas of Qdrant's OpenAPI document (strictly: no undeclared properties).
/// </summary>
public sealed class ContractTests
{
    private readonly OpenApiSpec _spec = OpenApiSpec.Instance;
    private readonly OpenApiSchemaValidator _validator = new(OpenApiSpec.Instance);

    [Fact]
    public async Task Every_point_and_collection_operation_of_the_client_travels_over_grpc_and_none_over_rest()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await RunEveryClientOperationAsync(harness.Client);

        var exchanges = harness.Recorder.Exchanges;
        exchanges.Where(e => e.RequestContentType != "application/grpc").Should().BeEmpty("REST is left for cluster, peers and snapshots");
        exchanges.Select(e => e.Path).Distinct().Should().BeEquivalentTo(
        [
            "/qdrant.Collections/Create", "/qdrant.Collections/Get", "/qdrant.Collections/Update", "/qdrant.Collections/Delete",
            "/qdrant.Collections/CollectionExists", "/qdrant.Points/CreateFieldIndex", "/qdrant.Points/Upsert", "/qdrant.Points/Get",
            "/qdrant.Points/Delete", "/qdrant.Points/Scroll", "/qdrant.Points/Count", "/qdrant.Points/Query", "/qdrant.Points/QueryBatch",
            "/qdrant.Points/SetPayload",
        ], "the workflow exercises every call the client makes");
    }

    // The requests here are hand-written (one deliberately invalid); only the server's responses are checked.
    [Fact]
    public async Task Server_responses_to_requests_the_client_does_not_make_match_the_schemas()
    {
        await using var harness = await QdrantHarness.StartAsync();
        using var http = new HttpClient(harness.Recorder, disposeHandler: false) { BaseAddress = harness.Server.BaseUri };
        await Send(http, HttpMethod.Put, "collections/raw", """{"vectors": {"size": 2, "distance": "Manhattan", "on_disk": true}, "shard_number": 1, "on_disk_payload": false}""");
        await Send(http, HttpMethod.Put, "collections/raw/points?wait=true",
            """{"batch": {"ids": [1, "550e8400-e29b-41d4-a716-446655440000"], "vectors": [[1, 2], [3, 4]], "payloads": [{"a": [1, 2]}, null]}}""");
        await Send(http, HttpMethod.Put, "collections/raw/points/payload", """{"payload": {"b": {"c": null}}, "points": [1]}""");
        await Send(http, HttpMethod.Put, "collections/raw/index", """{"field_name": "a", "field_schema": {"type": "integer", "range": true}}""");
        await Send(http, HttpMethod.Delete, "collections/raw/index/a?wait=true");
        await Send(http, HttpMethod.Get, "collections/raw/points/1");
        await Send(http, HttpMethod.Get, "collections");
        await Send(http, HttpMethod.Post, "collections/raw/points/query", """{"query": [1, 1], "with_vector": true, "with_payload": {"exclude": ["a"]}}""");
        await Send(http, HttpMethod.Post, "collections/raw/points/scroll", """{"with_vector": true, "with_payload": ["b"], "limit": 1}""");
        await Send(http, HttpMethod.Post, "collections/raw/points/delete", """{"filter": {"must": [{"has_id": [1]}]}}""");
        await Send(http, HttpMethod.Post, "collections/raw/points/query", """{"query": [1, 1], "limit": 0}""");
        await Send(http, HttpMethod.Get, "collections/raw/points/9");

        var violations = harness.Recorder.Exchanges
            .SelectMany(exchange => CheckExchange(exchange, _spec.MatchPath(exchange.Method, exchange.Path)!, checkRequest: false))
            .ToList();

        violations.Should().BeEmpty();
        harness.Recorder.Exchanges.Should().HaveCount(12);
    }

    [Fact]
    public async Task Rest_only_cluster_and_snapshot_requests_and_responses_match_the_openapi_schemas_and_the_rest_goes_over_grpc()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var client = harness.Client;
        var cluster = harness.Server.Cluster;
        cluster.TransferDuration = TimeSpan.FromSeconds(30);
        await client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)) { ShardNumber = 2 });
        await client.UpsertAsync("c", [new PointStruct(1, [1, 2]), new PointStruct(2, [3, 4])]);
        var peer = cluster.AddPeer();
        var other = cluster.AddPeer();

        await client.GetClusterStatusAsync();
        await client.ReplicateShardAsync("c", 0, cluster.LocalPeerId, peer, ShardTransferMethod.Snapshot);
        await client.MoveShardAsync("c", 1, cluster.LocalPeerId, other);
        await client.GetCollectionClusterInfoAsync("c");
        await client.AbortTransferAsync("c", 0, cluster.LocalPeerId, peer);
        await client.AbortTransferAsync("c", 1, cluster.LocalPeerId, other);
        await FluentActions.Awaiting(() => client.DropReplicaAsync("c", 0, cluster.LocalPeerId)).Should().ThrowAsync<QdrantException>();
        await client.RemovePeerAsync(other, force: true);
        var snapshot = await client.CreateSnapshotAsync("c");
        await client.ListSnapshotsAsync("c");
        var bytes = await client.DownloadSnapshotAsync("c", snapshot.Name);
        await client.RecoverSnapshotAsync("d", new SnapshotRecoverRequest(client.SnapshotUri("c", snapshot.Name)) { Checksum = snapshot.Checksum, Priority = SnapshotPriority.Replica });
        await client.UploadSnapshotAsync("e", bytes, snapshot.Checksum, SnapshotPriority.NoSync);
        await client.DeleteSnapshotAsync("c", snapshot.Name);

        var violations = Rest(harness.Recorder)
            .Select(exchange => (exchange, Template: _spec.MatchPath(exchange.Method, exchange.Path)))
            .SelectMany(pair => pair.Template is null
                ? [$"{pair.exchange.Method} {pair.exchange.Path}: not in the OpenAPI document"]
                : CheckExchange(pair.exchange, pair.Template))
            .ToList();

        violations.Should().BeEmpty();
        Rest(harness.Recorder).Select(e => _spec.MatchPath(e.Method, e.Path)).Distinct().Should().Contain(
        [
            "/cluster", "/cluster/peer/{peer_id}",
            "/collections/{collection_name}/snapshots/{snapshot_name}", "/collections/{collection_name}/snapshots/recover",
            "/collections/{collection_name}/snapshots/upload",
        ]);
        harness.Recorder.Exchanges.Select(e => e.Path).Should().Contain(
            [
                "/qdrant.Collections/CollectionClusterInfo", "/qdrant.Collections/UpdateCollectionClusterSetup",
                "/qdrant.Snapshots/Create", "/qdrant.Snapshots/List", "/qdrant.Snapshots/Delete",
            ]);
    }

    [Theory]
    [InlineData("CreateCollection", """{"vectors": {"size": 4, "distance": "Cosinus"}}""")]
    [InlineData("CreateCollection", """{"vectors": {"size": -4, "distance": "Dot"}}""")]
    [InlineData("CreateCollection", """{"vectors": {"size": 4, "distance": "Dot"}, "hnsw_conf": {}}""")]
    [InlineData("Filter", """{"must": [{"key": "a", "match": {"value": 1.5}}]}""")]
    [InlineData("Filter", """{"musts": []}""")]
    [InlineData("PointInsertOperations", """{"points": [{"id": "not-a-uuid", "vector": [1]}]}""")]
    [InlineData("PointInsertOperations", """{"points": [{"vector": [1]}]}""")]
    [InlineData("ScoredPoint", """{"id": 1, "version": 0}""")]
    [InlineData("CollectionInfo", """{"status": "blue", "optimizer_status": "ok", "segments_count": 1, "payload_schema": {}, "config": {}}""")]
    [InlineData("QuantizationConfigDiff", "\"Enabled\"")]
    [InlineData("UpdateResult", """{"operation_id": 1.5, "status": "completed"}""")]
    public void The_checker_rejects_documents_that_break_the_schema(string schema, string json)
    {
        using var document = JsonDocument.Parse(json);

        _validator.Validate(document.RootElement, _spec.Schema(schema)).Should().NotBeEmpty();
    }

    [Theory]
    [InlineData("CreateCollection", """{"vectors": {"size": 4, "distance": "Dot"}, "quantization_config": {"scalar": {"type": "int8", "quantile": 0.99}}}""")]
    [InlineData("Filter", """{"should": {"key": "a", "match": {"any": ["x", "y"]}}, "must_not": [{"is_empty": {"key": "b"}}]}""")]
    [InlineData("QuantizationConfigDiff", "\"Disabled\"")]
    [InlineData("ScoredPoint", """{"id": "550e8400-e29b-41d4-a716-446655440000", "version": 3, "score": 0.5, "payload": null}""")]
    public void The_checker_accepts_documents_that_follow_the_schema(string schema, string json)
    {
        using var document = JsonDocument.Parse(json);

        _validator.Validate(document.RootElement, _spec.Schema(schema)).Should().BeEmpty();
    }

    private IEnumerable<string> CheckExchange(HttpExchange exchange, string template, bool checkRequest = true)
    {
        var label = $"{exchange.Method} {exchange.Path}";
        if (checkRequest && exchange.RequestBody is { Length: > 0 } requestBody && exchange.RequestContentType == "application/json")
        {
            var requestSchema = _spec.RequestSchema(template, exchange.Method);
            if (requestSchema is null)
            {
                yield return $"{label}: sent a body but the operation takes none";
            }
            else
            {
                using var request = JsonDocument.Parse(requestBody);
                foreach (var error in _validator.Validate(request.RootElement, requestSchema.Value))
                {
                    yield return $"{label} request {error}";
                }
            }
        }

        if (exchange.Status is not { } status || exchange.ResponseBody is null)
        {
            yield break;
        }

        if (exchange.ResponseContentType != "application/json")
        {
            // Health endpoints and authentication failures answer in plain text and snapshot downloads in binary,
            // as Qdrant does; the spec gives those no JSON schema.
            yield break;
        }

        var responseSchema = _spec.ResponseSchema(template, exchange.Method, (int)status);
        if (responseSchema is null)
        {
            yield return $"{label}: no JSON response schema for status {(int)status}";
            yield break;
        }

        using var response = JsonDocument.Parse(exchange.ResponseBody);
        foreach (var error in _validator.Validate(response.RootElement, responseSchema.Value))
        {
            yield return $"{label} response {(int)status} {error}";
        }
    }

    private static IEnumerable<HttpExchange> Rest(RecordingHandler recorder) =>
        recorder.Exchanges.Where(e => e.RequestContentType != "application/grpc");

    private static async Task RunEveryClientOperationAsync(QdrantShardClient client)
    {
        await client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(4, Distance.Cosine))
        {
            HnswConfig = new HnswConfigDiff { M = 16, EfConstruct = 128, OnDisk = false, PayloadM = 8 },
            QuantizationConfig = QuantizationConfig.ScalarInt8(0.95f, alwaysRam: true),
            OptimizersConfig = new OptimizersConfigDiff { IndexingThreshold = 1000, DefaultSegmentNumber = 2 },
            ReplicationFactor = 1,
            WriteConsistencyFactor = 1,
            OnDiskPayload = true,
            ShardNumber = 1,
        });
        await client.CollectionExistsAsync("c");
        await client.CreatePayloadIndexAsync("c", "_rag_cell", PayloadSchemaType.Integer);
        await client.UpdateCollectionAsync("c", new UpdateCollectionRequest
        {
            HnswConfig = new HnswConfigDiff { EfConstruct = 200 },
            QuantizationConfig = QuantizationConfig.ProductQuantization(CompressionRatio.X8),
            OptimizersConfig = new OptimizersConfigDiff { DeletedThreshold = 0.3 },
            Params = new CollectionParamsDiff { WriteConsistencyFactor = 1 },
        });
        await client.UpdateCollectionAsync("c", new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.BinaryQuantization() });
        await client.UpdateCollectionAsync("c", new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.Disabled });
        await client.GetCollectionAsync("c");

        var uuid = Guid.Parse("550e8400-e29b-41d4-a716-446655440000");
        await client.UpsertAsync("c",
        [
            new PointStruct(1, [1, 0, 0, 0], new JsonObject { ["_rag_cell"] = 1, ["_rag_v"] = 10, ["text"] = "one", ["tags"] = new JsonArray("a", "b") }),
            new PointStruct(2, [0, 1, 0, 0], new JsonObject { ["_rag_cell"] = 2, ["_rag_v"] = 11 }),
            new PointStruct(uuid, [0, 0, 1, 0]),
        ], new WriteOptions { Ordering = WriteOrdering.Medium }, updateFilter: Filter.All(Conditions.Range("_rag_v", lt: 100)));
        await client.GetCollectionAsync("c");
        await client.RetrieveAsync("c", [PointId.FromNumber(1), uuid], withPayload: true, withVector: true);
        await client.RetrieveAsync("c", [PointId.FromNumber(2)], withPayload: false);
        await client.ScrollAsync("c", new ScrollRequest { Limit = 1, WithPayload = PayloadSelector.Fields("text"), WithVector = true });
        await client.ScrollAsync("c", new ScrollRequest
        {
            Offset = PointId.FromNumber(2),
            Filter = new Filter
            {
                Should = [Conditions.MatchAny("_rag_cell", [1, 2]), Conditions.HasId([uuid])],
                MustNot = [Conditions.IsEmpty("missing_field"), Conditions.IsNull("x"), Conditions.MatchExcept("tags", ["z"])],
                MinShould = new MinShould([Conditions.Match("text", "one"), Conditions.Match("flag", true)], 1),
            },
            WithPayload = PayloadSelector.AllExcept("tags"),
        });
        await client.CountAsync("c");
        await client.CountAsync("c", Filter.All(Conditions.Range("_rag_cell", gte: 1, lte: 2), Conditions.Nested(Filter.Any(Conditions.Match("text", "one")))));
        await client.SearchAsync("c", new SearchRequest([1, 0.5f, 0, 0], 2)
        {
            Filter = Filter.None(Conditions.Match("_rag_cell", 9)),
            WithPayload = true,
            WithVector = true,
            ScoreThreshold = 0.1f,
            Offset = 0,
            Exact = true,
            HnswEf = 64,
        });
        await client.SearchBatchAsync("c", [new SearchRequest([1, 0, 0, 0], 1), new SearchRequest([0, 1, 0, 0], 3) { WithPayload = PayloadSelector.Fields("_rag_v") }]);
        await client.QueryAsync("c", new QueryRequest { Query = new NearestQuery([0, 0, 1, 0]), Limit = 1 });
        await client.SetPayloadAsync("c", new JsonObject { ["_rag_v"] = 12 }, [PointId.FromNumber(2)], options: new WriteOptions { Wait = false });
        await client.SetPayloadAsync("c", new JsonObject { ["moved"] = true }, null, Filter.All(Conditions.Match("_rag_cell", 1)));
        await client.DeleteAsync("c", [PointId.FromNumber(2)]);
        await client.DeleteByFilterAsync("c", Filter.All(Conditions.HasId([uuid])));

        // Error replies are part of the contract too.
        await FluentActions.Awaiting(() => client.UpsertAsync("c", [new PointStruct(5, [1, 2])])).Should().ThrowAsync<QdrantException>();
        await FluentActions.Awaiting(() => client.GetCollectionAsync("missing")).Should().ThrowAsync<QdrantException>();
        await FluentActions.Awaiting(() => client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(4, Distance.Dot))))
            .Should().ThrowAsync<QdrantException>();

        await client.DeleteCollectionAsync("c");
    }

    private static async Task Send(HttpClient http, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var _ = await http.SendAsync(request);
    }
}
