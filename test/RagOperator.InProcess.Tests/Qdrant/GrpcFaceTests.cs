using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Grpc.Core;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant;
using RagOperator.TestSupport.Credentials;
using Xunit;
using static Qdrant.Client.Grpc.Conditions;
using GrpcRange = Qdrant.Client.Grpc.Range;

// The search API is deprecated in the client in favour of the query API, but Qdrant 1.19 serves both and so must
// this server.
#pragma warning disable CS0618

namespace RagOperator.InProcess.Tests.Qdrant;

/// <summary>
/// The in-process Qdrant's gRPC face, judged by the official <c>Qdrant.Client</c>: every call the server binds,
/// answered over the same storage as its REST face, with Qdrant's status codes and words for what goes wrong.
/// Where a result can be compared, it is compared with the REST face's answer to the same request.
/// </summary>
public sealed class GrpcFaceTests : IAsyncLifetime, IDisposable
{
    private const string Collection = "docs";

    private static readonly (ulong Id, string Payload)[] Payloads =
    [
        (1, """{"lang": "en", "tags": ["a", "b"], "score": 0.5, "meta": {"owner": "x"}, "n": 1}"""),
        (2, """{"lang": "de", "tags": ["b"], "score": 1.5, "n": 2}"""),
        (3, """{"lang": "en", "tags": [], "score": 2.25, "flag": true, "n": 3}"""),
        (4, """{"tags": null, "flag": false, "items": [{"k": 1, "v": "p"}, {"k": 2, "v": "q"}], "n": 4}"""),
        (5, """{"lang": "fr", "items": [{"k": 3, "v": "p"}], "n": 5}"""),
        (6, """{}"""),
    ];

    private InProcessQdrantServer _server = null!;
    private HttpClient _rest = null!;
    private QdrantClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await InProcessQdrantServer.StartAsync();
        _rest = new HttpClient { BaseAddress = _server.BaseUri };
        _client = new QdrantClient(_server.GrpcUri);
        await _client.CreateCollectionAsync(Collection, new VectorParams { Size = 3, Distance = Distance.Cosine });
        var points = string.Join(",", Payloads.Select(p => $$"""{"id": {{p.Id}}, "vector": {{Vector(p.Id)}}, "payload": {{p.Payload}}}"""));
        (await _rest.PutAsync($"collections/{Collection}/points?wait=true", Json($$"""{"points": [{{points}}]}"""))).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _client.Dispose();
        _rest.Dispose();
    }

    [Fact]
    public async Task The_health_check_names_the_server_and_needs_no_key()
    {
        await using var server = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { ApiKey = "secret" });
        using var client = new QdrantClient(server.GrpcUri);

        var reply = await client.HealthAsync();

        reply.Title.Should().Be("qdrant - vector search engine");
        reply.Version.Should().Be("1.19.0");
    }

    [Fact]
    public async Task A_collection_created_over_grpc_reads_back_the_same_over_grpc_and_rest()
    {
        await _client.CreateCollectionAsync(
            "tuned", new VectorParams { Size = 8, Distance = Distance.Dot }, shardNumber: 2, replicationFactor: 1,
            hnswConfig: new HnswConfigDiff { M = 32, EfConstruct = 200 },
            quantizationConfig: new QuantizationConfig { Scalar = new ScalarQuantization { Type = QuantizationType.Int8, Quantile = 0.99f } });
        await _client.CreatePayloadIndexAsync("tuned", "lang", PayloadSchemaType.Keyword);

        var info = await _client.GetCollectionInfoAsync("tuned");
        info.Config.Params.VectorsConfig.Params.Size.Should().Be(8);
        info.Config.Params.VectorsConfig.Params.Distance.Should().Be(Distance.Dot);
        info.Config.Params.ShardNumber.Should().Be(2);
        info.Config.HnswConfig.M.Should().Be(32);
        info.Config.HnswConfig.EfConstruct.Should().Be(200);
        info.Config.QuantizationConfig.Scalar.Quantile.Should().Be(0.99f);
        info.PayloadSchema["lang"].DataType.Should().Be(PayloadSchemaType.Keyword);
        info.Status.Should().Be(CollectionStatus.Green);

        var rest = await RestResultAsync(HttpMethod.Get, "collections/tuned", null);
        rest["config"]!["params"]!["vectors"]!["size"]!.GetValue<int>().Should().Be(8);
        rest["config"]!["hnsw_config"]!["m"]!.GetValue<int>().Should().Be(32);
        rest["config"]!["quantization_config"]!["scalar"]!["type"]!.GetValue<string>().Should().Be("int8");
        rest["payload_schema"]!["lang"]!["data_type"]!.GetValue<string>().Should().Be("keyword");

        (await _client.ListCollectionsAsync()).Should().BeEquivalentTo(Collection, "tuned");
        (await _client.CollectionExistsAsync("tuned")).Should().BeTrue();
        await _client.DeleteCollectionAsync("tuned");
        (await _client.CollectionExistsAsync("tuned")).Should().BeFalse();
        _server.Collections.Exists("tuned").Should().BeFalse();
    }

    [Fact]
    public async Task Points_written_over_grpc_keep_their_payload_types_over_both_faces()
    {
        var id = Guid.Parse("5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
        var payload = new Dictionary<string, Value>
        {
            ["text"] = "hello", ["count"] = 7L, ["ratio"] = 2.0, ["on"] = true, ["nothing"] = new Value { NullValue = NullValue.NullValue },
            ["list"] = new Value { ListValue = new ListValue { Values = { 1L, "two" } } },
            ["nested"] = new Value { StructValue = new Struct { Fields = { ["inner"] = 1.5 } } },
        };
        await _client.UpsertAsync(Collection, [new PointStruct { Id = id, Vectors = new[] { 1f, 2f, 2f }, Payload = { payload } }]);

        var read = (await _client.RetrieveAsync(Collection, id, withPayload: true, withVectors: true)).Single();
        read.Payload.Should().BeEquivalentTo(payload);
        read.Vectors.Vector.GetDenseVector()!.Data.Should().Equal(1f / 3, 2f / 3, 2f / 3);

        // The REST face reads the same point: an integer stays an integer, a double keeps its fraction.
        var rest = await RestResultAsync(HttpMethod.Get, $"collections/{Collection}/points/{id}", null);
        rest["payload"]!.ToJsonString().Should().Be(
            """{"text":"hello","count":7,"ratio":2.0,"on":true,"nothing":null,"list":[1,"two"],"nested":{"inner":1.5}}""");
    }

    [Fact]
    public async Task Search_and_query_answer_what_the_rest_face_answers()
    {
        float[] vector = [0.2f, 1f, 0.1f];
        var filter = MatchKeyword("lang", "en") | Range("n", new GrpcRange { Gte = 4 });
        const string restFilter = """{"should": [{"key": "lang", "match": {"value": "en"}}, {"key": "n", "range": {"gte": 4}}]}""";

        var search = await _client.SearchAsync(Collection, vector, filter: filter, limit: 3, offset: 1, payloadSelector: true);
        var query = await _client.QueryAsync(Collection, vector, filter: filter, limit: 3, offset: 1, payloadSelector: true);
        var rest = await RestResultAsync(HttpMethod.Post, $"collections/{Collection}/points/query",
            $$"""{"query": [0.2, 1, 0.1], "filter": {{restFilter}}, "limit": 3, "offset": 1, "with_payload": true}""");

        var expected = rest["points"]!.AsArray().Select(p => (Id: p!["id"]!.GetValue<ulong>(), Score: p["score"]!.GetValue<float>())).ToList();
        expected.Should().HaveCount(3);
        search.Select(p => (p.Id.Num, p.Score)).Should().Equal(expected);
        query.Select(p => (p.Id.Num, p.Score)).Should().Equal(expected);
        search.Should().OnlyContain(p => p.Payload.ContainsKey("n"));

        var searches = await _client.SearchBatchAsync(Collection,
        [
            new SearchPoints { Vector = { vector }, Limit = 2 },
            new SearchPoints { Vector = { vector }, Limit = 3, Filter = filter, Offset = 1 },
        ]);
        searches.Should().HaveCount(2);
        searches[1].Result.Select(p => (p.Id.Num, p.Score)).Should().Equal(expected);

        var queries = await _client.QueryBatchAsync(Collection,
        [
            new QueryPoints { Query = vector, Limit = 3, Offset = 1, Filter = filter },
            new QueryPoints { Query = vector, Limit = 1, ScoreThreshold = 2f },
        ]);
        queries[0].Result.Select(p => (p.Id.Num, p.Score)).Should().Equal(expected);
        queries[1].Result.Should().BeEmpty("no cosine score exceeds 2");
    }

    public static TheoryData<string, string> Filters => new()
    {
        { "keyword", """{"must": [{"key": "lang", "match": {"value": "en"}}]}""" },
        { "integer", """{"must": [{"key": "n", "match": {"value": 2}}]}""" },
        { "bool", """{"must": [{"key": "flag", "match": {"value": false}}]}""" },
        { "any", """{"must": [{"key": "lang", "match": {"any": ["de", "fr"]}}]}""" },
        { "any integer", """{"must": [{"key": "n", "match": {"any": [1, 5]}}]}""" },
        { "except", """{"must": [{"key": "lang", "match": {"except": ["en"]}}]}""" },
        { "range", """{"must": [{"key": "score", "range": {"gt": 0.5, "lte": 2.25}}]}""" },
        { "has_id", """{"must": [{"has_id": [2, 4, 99]}]}""" },
        { "is_empty", """{"must": [{"is_empty": {"key": "tags"}}]}""" },
        { "is_null", """{"must": [{"is_null": {"key": "tags"}}]}""" },
        { "nested", """{"must": [{"nested": {"key": "items", "filter": {"must": [{"key": "k", "match": {"value": 2}}, {"key": "v", "match": {"value": "q"}}]}}}]}""" },
        { "must_not", """{"must_not": [{"key": "lang", "match": {"value": "en"}}]}""" },
        { "min_should", """{"min_should": {"conditions": [{"key": "lang", "match": {"value": "en"}}, {"key": "flag", "match": {"value": true}}], "min_count": 2}}""" },
        { "inner filter", """{"should": [{"must": [{"key": "lang", "match": {"value": "en"}}, {"key": "n", "range": {"gt": 1}}]}, {"has_id": [6]}]}""" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task A_filter_selects_the_points_the_same_filter_selects_over_rest(string name, string restFilter)
    {
        var filter = GrpcFilters[name];

        var rest = await RestResultAsync(HttpMethod.Post, $"collections/{Collection}/points/scroll",
            $$"""{"filter": {{restFilter}}, "limit": 100, "with_payload": false}""");
        var expected = rest["points"]!.AsArray().Select(p => p!["id"]!.GetValue<ulong>()).ToList();
        var scrolled = await _client.ScrollAsync(Collection, filter, limit: 100, payloadSelector: false);
        var count = await _client.CountAsync(Collection, filter, exact: true);

        scrolled.Result.Select(p => p.Id.Num).Should().Equal(expected, name);
        count.Should().Be((ulong)expected.Count);
    }

    private static readonly Dictionary<string, Filter> GrpcFilters = new()
    {
        ["keyword"] = MatchKeyword("lang", "en"),
        ["integer"] = Match("n", 2),
        ["bool"] = Match("flag", false),
        ["any"] = Match("lang", ["de", "fr"]),
        ["any integer"] = Match("n", [1L, 5L]),
        ["except"] = MatchExcept("lang", ["en"]),
        ["range"] = Range("score", new GrpcRange { Gt = 0.5, Lte = 2.25 }),
        ["has_id"] = HasId([2ul, 4ul, 99ul]),
        ["is_empty"] = IsEmpty("tags"),
        ["is_null"] = IsNull("tags"),
        ["nested"] = Nested("items", Match("k", 2) & MatchKeyword("v", "q")),
        ["must_not"] = !MatchKeyword("lang", "en"),
        ["min_should"] = new Filter { MinShould = new MinShould { Conditions = { MatchKeyword("lang", "en"), Match("flag", true) }, MinCount = 2 } },
        ["inner filter"] = new Filter { Should = { Conditions.Filter(MatchKeyword("lang", "en") & Range("n", new GrpcRange { Gt = 1 })), HasId(6ul) } },
    };

    [Fact]
    public async Task Scroll_pages_by_id_and_hands_over_the_next_offset()
    {
        var first = await _client.ScrollAsync(Collection, limit: 4);
        first.Result.Select(p => p.Id.Num).Should().Equal(1ul, 2ul, 3ul, 4ul);
        first.NextPageOffset.Num.Should().Be(5);

        var second = await _client.ScrollAsync(Collection, limit: 4, offset: first.NextPageOffset);
        second.Result.Select(p => p.Id.Num).Should().Equal(5ul, 6ul);
        second.NextPageOffset.Should().BeNull();
    }

    [Fact]
    public async Task An_update_filter_keeps_a_newer_point_and_still_inserts_a_new_one()
    {
        // The copier's conditional upsert: replace only where the stored point is still the old version.
        var stale = new PointStruct { Id = 2ul, Vectors = new[] { 9f, 9f, 9f }, Payload = { ["n"] = 20L } };
        var fresh = new PointStruct { Id = 7ul, Vectors = new[] { 1f, 0f, 0f }, Payload = { ["n"] = 7L } };

        await _client.UpsertAsync(Collection, [stale, fresh], updateFilter: Match("n", 999));

        _server.Collections.GetPoint(Collection, 2ul)!.Payload["n"]!.GetValue<int>().Should().Be(2, "the stored point did not match");
        _server.Collections.GetPoint(Collection, 7ul)!.Payload["n"]!.GetValue<int>().Should().Be(7, "new points are always inserted");
    }

    [Fact]
    public async Task Deletes_and_payload_writes_reach_the_storage()
    {
        await _client.SetPayloadAsync(Collection, new Dictionary<string, Value> { ["seen"] = true }, ids: [1ul]);
        await _client.OverwritePayloadAsync(Collection, new Dictionary<string, Value> { ["only"] = 1L }, ids: [2ul]);
        await _client.DeleteAsync(Collection, [3ul]);
        await _client.DeleteAsync(Collection, MatchKeyword("lang", "fr"));

        _server.Collections.GetPoint(Collection, 1ul)!.Payload["seen"]!.GetValue<bool>().Should().BeTrue();
        _server.Collections.GetPoint(Collection, 1ul)!.Payload["lang"]!.GetValue<string>().Should().Be("en");
        _server.Collections.GetPoint(Collection, 2ul)!.Payload.ToJsonString().Should().Be("""{"only":1}""");
        _server.Collections.GetPoint(Collection, 3ul).Should().BeNull();
        _server.Collections.GetPoint(Collection, 5ul).Should().BeNull();
        (await _client.CountAsync(Collection)).Should().Be(4);
    }

    [Fact]
    public async Task A_wrong_dimension_is_refused_with_the_dimensions_and_nothing_is_written()
    {
        var write = () => _client.UpsertAsync(Collection,
            [new PointStruct { Id = 8ul, Vectors = new[] { 1f, 0f, 0f } }, new PointStruct { Id = 9ul, Vectors = new[] { 1f, 0f } }]);
        var search = () => _client.SearchAsync(Collection, new[] { 1f, 2f, 3f, 4f });

        (await write.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.InvalidArgument, "Wrong input: Vector dimension error: expected dim: 3, got 2"));
        (await search.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().Contain("expected dim: 3, got 4");
        _server.Collections.GetPoint(Collection, 8ul).Should().BeNull("a refused batch writes nothing");
    }

    [Fact]
    public async Task A_missing_collection_is_not_found_in_qdrants_words()
    {
        var read = () => _client.CountAsync("nope");

        (await read.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.NotFound, "Not found: Collection `nope` doesn't exist!"));
    }

    [Fact]
    public async Task A_collection_update_over_grpc_changes_what_both_faces_report_and_a_bad_value_changes_nothing()
    {
        await _client.CreateCollectionAsync("tuned", new VectorParams { Size = 4, Distance = Distance.Cosine });

        await _client.UpdateCollectionAsync("tuned",
            optimizersConfig: new OptimizersConfigDiff { IndexingThreshold = 5000 },
            collectionParams: new CollectionParamsDiff { ReplicationFactor = 2 },
            hnswConfig: new HnswConfigDiff { EfConstruct = 300 },
            quantizationConfig: new QuantizationConfigDiff { Product = new ProductQuantization { Compression = CompressionRatio.X16 } });
        var bad = () => _client.UpdateCollectionAsync("tuned", hnswConfig: new HnswConfigDiff { EfConstruct = 2, M = 64 });

        (await bad.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.InvalidArgument);
        var info = await _client.GetCollectionInfoAsync("tuned");
        info.Config.HnswConfig.EfConstruct.Should().Be(300);
        info.Config.HnswConfig.M.Should().NotBe(64, "the refused update applied none of its values");
        info.Config.Params.ReplicationFactor.Should().Be(2);
        info.Config.OptimizerConfig.IndexingThreshold.Should().Be(5000);
        info.Config.QuantizationConfig.Product.Compression.Should().Be(CompressionRatio.X16);
        var rest = await RestResultAsync(HttpMethod.Get, "collections/tuned", null);
        rest["config"]!["hnsw_config"]!["ef_construct"]!.GetValue<int>().Should().Be(300);
        rest["config"]!["quantization_config"]!["product"]!["compression"]!.GetValue<string>().Should().Be("x16");

        await _client.UpdateCollectionAsync("tuned", quantizationConfig: new QuantizationConfigDiff { Disabled = new Disabled() });
        (await _client.GetCollectionInfoAsync("tuned")).Config.QuantizationConfig.Should().BeNull("disabled removes quantization");
        var missing = () => _client.UpdateCollectionAsync("absent", hnswConfig: new HnswConfigDiff { M = 8 });
        (await missing.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
    }

    [Fact]
    public async Task What_the_server_does_not_implement_is_refused_by_name_and_what_the_collection_lacks_gets_qdrants_error()
    {
        var named = () => _client.UpsertAsync(Collection,
            [new PointStruct { Id = 10ul, Vectors = new Dictionary<string, float[]> { ["title"] = [1f, 0f, 0f] } }]);
        var fusion = () => _client.QueryAsync(Collection, Fusion.Rrf);
        var alias = () => _client.CreateAliasAsync("latest", Collection);

        (await named.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().Be("Wrong input: Not existing vector name error: title");
        (await fusion.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should()
            .Be("Wrong input: Validation failed: cannot apply Fusion without prefetches");
        (await alias.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unimplemented);
    }

    [Fact]
    public async Task The_api_key_travels_as_metadata_and_a_read_only_key_may_only_read()
    {
        await using var server = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { ApiKey = "admin", ReadOnlyApiKey = "reader" });
        using var admin = new QdrantClient(server.GrpcUri, apiKey: "admin");
        using var reader = new QdrantClient(server.GrpcUri, apiKey: "reader");
        using var stranger = new QdrantClient(server.GrpcUri, apiKey: "guess");
        using var anonymous = new QdrantClient(server.GrpcUri);
        await admin.CreateCollectionAsync("c", new VectorParams { Size = 2, Distance = Distance.Dot });

        (await reader.CountAsync("c")).Should().Be(0);
        var readerWrite = () => reader.UpsertAsync("c", [new PointStruct { Id = 1ul, Vectors = new[] { 1f, 0f } }]);
        var strangerRead = () => stranger.CountAsync("c");
        var anonymousRead = () => anonymous.ListCollectionsAsync();

        (await readerWrite.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.PermissionDenied, "Forbidden: Only read-only access is allowed"));
        (await strangerRead.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.Unauthenticated, "Invalid API key or JWT"));
        (await anonymousRead.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unauthenticated);
        server.Collections.PointCount("c").Should().Be(0);
    }

    [Fact]
    public async Task Faults_reach_grpc_callers_as_unavailable()
    {
        _server.Faults.FailNext(1, 503);
        var injected = () => _client.CountAsync(Collection);
        (await injected.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unavailable);

        _server.Faults.Down(QdrantDownMode.ServiceUnavailable);
        var down = () => _client.CountAsync(Collection);
        (await down.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unavailable);

        _server.Faults.Down(QdrantDownMode.CloseConnection);
        var gone = () => _client.CountAsync(Collection);
        var reset = (await gone.Should().ThrowAsync<RpcException>()).Which;
        reset.StatusCode.Should().Be(StatusCode.Internal, "the server resets the call's stream: {0}", reset.Status.Detail);

        _server.Faults.Reset();
        (await _client.CountAsync(Collection)).Should().Be(6);
    }

    [Fact]
    public async Task With_a_certificate_grpc_is_served_over_tls_to_clients_that_trust_its_ca()
    {
        var certificates = TestCertificates.Shared;
        await using var server = await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { Certificate = certificates.Server });
        server.GrpcUri.Scheme.Should().Be("https");

        using var trusting = GrpcChannel.ForAddress(server.GrpcUri, new GrpcChannelOptions { HttpHandler = Trusting(certificates.Ca) });
        using var client = new QdrantClient(new QdrantGrpcClient(trusting));
        (await client.ListCollectionsAsync()).Should().BeEmpty();

        using var untrusting = GrpcChannel.ForAddress(server.GrpcUri);
        using var refused = new QdrantClient(new QdrantGrpcClient(untrusting));
        var call = () => refused.ListCollectionsAsync();
        var handshake = (await call.Should().ThrowAsync<RpcException>()).Which;
        handshake.Status.Detail.Should().Contain("The SSL connection could not be established");
    }

    private static SocketsHttpHandler Trusting(System.Security.Cryptography.X509Certificates.X509Certificate2 ca) => new()
    {
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate));
            },
        },
    };

    private static string Vector(ulong id) => id switch
    {
        1 => "[1, 0, 0]",
        2 => "[0, 1, 0]",
        3 => "[0.5, 0.5, 0]",
        4 => "[0.1, 0.9, 0.2]",
        5 => "[0, 0.3, 1]",
        _ => "[0.3, 0.3, 0.3]",
    };

    private async Task<JsonNode> RestResultAsync(HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await _rest.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!["result"]!;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
