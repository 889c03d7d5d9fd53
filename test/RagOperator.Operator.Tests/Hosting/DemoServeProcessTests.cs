using System.Diagnostics;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using FluentAssertions;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.Operator.Tests.Hosting;

/// <summary>
/// <c>rag-demo serve</c> as a person or a script runs it: the built binary as a child process. It must write its
/// endpoints file once a router serves the sample collection; a client that knows only that file — the official
/// <c>Qdrant.Client</c> over gRPC, with the API key and the CA it names — writes and finds points there; SIGTERM stops
/// everything within seconds with exit code 0 and takes the file away. Bad flags end it at once with 2.
/// </summary>
public sealed class DemoServeProcessTests(ITestOutputHelper log)
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Serve_writes_its_endpoints_serves_a_qdrant_client_over_grpc_and_stops_cleanly_on_sigterm()
    {
        var directory = Directory.CreateTempSubdirectory("rag-demo-serve-").FullName;
        try
        {
            var endpointsFile = Path.Combine(directory, "endpoints.json");
            await using var serve = ChildProcess.Start(ChildProcess.BuiltDll("RagOperator.Demo", "rag-demo"), ["serve", "--endpoints-file", endpointsFile]);
            using var endpoints = await WaitForEndpointsAsync(serve, endpointsFile);
            var root = endpoints.RootElement;
            var collection = root.GetProperty("collection").GetString()!;
            var grpc = new Uri(root.GetProperty("grpc").GetString()!);
            var rest = new Uri(root.GetProperty("rest").GetString()!);
            var apiKey = root.GetProperty("apiKey").GetString()!;
            var caFile = root.GetProperty("caFile").GetString()!;
            var serverName = root.GetProperty("tlsServerName").GetString()!;

            collection.Should().Be("docs", "the sample collection is served");
            grpc.Scheme.Should().Be(Uri.UriSchemeHttps, "the sample has TLS on, so the router serves gRPC over TLS");
            (grpc.Host, rest.Host).Should().Be(("127.0.0.1", "127.0.0.1"));
            grpc.Port.Should().NotBe(rest.Port, "gRPC has a port of its own");
            File.ReadAllText(caFile).Should().StartWith("-----BEGIN CERTIFICATE-----");

            using var channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { HttpHandler = Trusting(caFile, serverName) });
            using var client = new QdrantClient(new QdrantGrpcClient(channel.Intercept(metadata =>
            {
                metadata.Add("api-key", apiKey);
                return metadata;
            })));
            var info = await client.GetCollectionInfoAsync(collection);
            var dimension = (int)info.Config.Params.VectorsConfig.Params.Size;
            dimension.Should().Be(root.GetProperty("dimension").GetInt32()).And.Be(384, "the sample's dimension");

            var random = new Random(7);
            var vectors = Enumerable.Range(1, 6).ToDictionary(
                id => (ulong)id, _ => Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
            var points = vectors.Select(v => new PointStruct { Id = v.Key, Vectors = v.Value, Payload = { ["title"] = $"document {v.Key}" } }).ToList();
            var upsert = await client.UpsertAsync(collection, points, wait: true);
            upsert.Status.Should().Be(UpdateStatus.Completed);
            (await client.CountAsync(collection, exact: true)).Should().Be(6UL);
            foreach (var (id, vector) in vectors)
            {
                var hits = await client.QueryAsync(collection, vector, limit: 3, payloadSelector: true);
                hits.Should().HaveCount(3);
                hits[0].Id.Num.Should().Be(id, "a point's own vector finds it first");
                hits[0].Score.Should().BeApproximately(1f, 1e-4f, "cosine similarity of a vector with itself");
                hits[0].Payload["title"].StringValue.Should().Be($"document {id}");
            }

            // The REST address serves Qdrant's REST API over the same collection, behind the same key and CA.
            using var http = new HttpClient(Trusting(caFile, serverName));
            using var restInfo = new HttpRequestMessage(HttpMethod.Get, new Uri(rest, $"collections/{collection}"));
            restInfo.Headers.Add("api-key", apiKey);
            using var answer = await http.SendAsync(restInfo);
            var body = await answer.Content.ReadAsStringAsync();
            answer.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, body);
            JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("points_count").GetInt64().Should().Be(6, body);

            using var anonymous = new QdrantClient(new QdrantGrpcClient(channel));
            var refused = await anonymous.Invoking(c => c.CountAsync(collection)).Should().ThrowAsync<RpcException>();
            refused.Which.StatusCode.Should().Be(StatusCode.Unauthenticated, "the router requires its key over gRPC too");

            var stopwatch = Stopwatch.StartNew();
            serve.Signal("TERM");
            var exited = await serve.WaitForExitAsync(StopBudget);
            log.WriteLine(serve.Output);
            exited.Should().BeTrue($"SIGTERM must stop rag-demo serve within {StopBudget}; output:\n{serve.Output}");
            serve.ExitCode.Should().Be(0, $"a requested stop is a clean exit; output:\n{serve.Output}");
            log.WriteLine($"SIGTERM: stopped in {stopwatch.ElapsedMilliseconds} ms");
            File.Exists(endpointsFile).Should().BeFalse("the endpoints file exists only while the product serves");
            File.Exists(caFile).Should().BeFalse();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task With_shards_to_the_collection_migrates_under_a_connected_client_that_loses_no_point()
    {
        var directory = Directory.CreateTempSubdirectory("rag-demo-serve-").FullName;
        try
        {
            var endpointsFile = Path.Combine(directory, "endpoints.json");
            await using var serve = ChildProcess.Start(ChildProcess.BuiltDll("RagOperator.Demo", "rag-demo"), ["serve", "--endpoints-file", endpointsFile, "--shards-to", "3"]);
            using var endpoints = await WaitForEndpointsAsync(serve, endpointsFile);
            var root = endpoints.RootElement;
            var collection = root.GetProperty("collection").GetString()!;
            var dimension = root.GetProperty("dimension").GetInt32();
            using var channel = GrpcChannel.ForAddress(root.GetProperty("grpc").GetString()!, new GrpcChannelOptions
            {
                HttpHandler = Trusting(root.GetProperty("caFile").GetString()!, root.GetProperty("tlsServerName").GetString()!),
            });
            var apiKey = root.GetProperty("apiKey").GetString()!;
            using var client = new QdrantClient(new QdrantGrpcClient(channel.Intercept(metadata =>
            {
                metadata.Add("api-key", apiKey);
                return metadata;
            })));

            // Batches go in while the migration runs, from the moment the endpoints are known until it reports Done.
            var random = new Random(11);
            var vectors = new Dictionary<ulong, float[]>();
            var waited = Stopwatch.StartNew();
            while (!serve.Output.Contains(" Done: ", StringComparison.Ordinal))
            {
                if (serve.HasExited || waited.Elapsed > StartBudget) throw new InvalidOperationException($"the migration did not report Done:\n{serve.Output}");
                var batch = Enumerable.Range(vectors.Count + 1, 20).ToDictionary(
                    id => (ulong)id, _ => Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
                await client.UpsertAsync(collection, [.. batch.Select(p => new PointStruct { Id = p.Key, Vectors = p.Value })], wait: true);
                foreach (var (id, vector) in batch) vectors[id] = vector;
            }

            log.WriteLine($"{vectors.Count} points written while the migration ran");
            serve.Output.Should().Contain("Scaling docs from 2 to 3 shards").And.Contain("3 shards serve docs");
            (await client.CountAsync(collection, exact: true)).Should().Be((ulong)vectors.Count, "every acknowledged point is still there, once");
            foreach (var (id, vector) in vectors.Where(v => v.Key % 7 == 1))
            {
                (await client.QueryAsync(collection, vector, limit: 1))[0].Id.Num.Should().Be(id);
            }

            serve.Signal("TERM");
            (await serve.WaitForExitAsync(StopBudget)).Should().BeTrue($"SIGTERM stops it; output:\n{serve.Output}");
            serve.ExitCode.Should().Be(0, serve.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("serve --shards-to 0", "--shards-to must be between 1 and 1024")]
    [InlineData("serve --shards-to many", "--shards-to 'many' is not a whole number")]
    [InlineData("serve --shards-to 2", "already has 2 shards")]
    [InlineData("serve --endpoints", "Unrecognized command or argument '--endpoints'")]
    [InlineData("serve --sample /nonexistent/collection.yaml", "--sample /nonexistent/collection.yaml")]
    public async Task Bad_arguments_exit_with_2_and_a_usage_line_before_anything_starts(string arguments, string message)
    {
        await using var serve = ChildProcess.Start(ChildProcess.BuiltDll("RagOperator.Demo", "rag-demo"), arguments.Split(' '));

        var exited = await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        exited.Should().BeTrue($"bad arguments end rag-demo at once; output:\n{serve.Output}");
        serve.ExitCode.Should().Be(2, serve.Output);
        serve.Output.Should().Contain(message).And.Contain("usage: rag-demo serve [--endpoints-file PATH] [--shards-to N]");
        serve.Output.Should().NotContain("Starting the sandbox");
    }

    /// <summary>Waits until the endpoints file exists and parses; it is written in one step, so it is whole when seen.</summary>
    private static async Task<JsonDocument> WaitForEndpointsAsync(ChildProcess serve, string path)
    {
        var waited = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (serve.HasExited) throw new InvalidOperationException($"rag-demo serve exited ({serve.ExitCode}) before writing {path}:\n{serve.Output}");
            if (waited.Elapsed > StartBudget) throw new TimeoutException($"rag-demo serve wrote no {path} within {StartBudget}:\n{serve.Output}");
            await Task.Delay(100);
        }

        return JsonDocument.Parse(await File.ReadAllTextAsync(path));
    }

    /// <summary>
    /// Accepts only a certificate that chains to the CA file and names <paramref name="serverName"/>: the address is a
    /// loopback IP, which the router's certificate does not carry, so the name is checked against what the endpoints
    /// file says the certificate names.
    /// </summary>
    private static SocketsHttpHandler Trusting(string caFile, string serverName)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        return new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return false;
                    using var leaf = new X509Certificate2(certificate);
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(leaf) && leaf.MatchesHostname(serverName);
                },
            },
        };
    }
}
