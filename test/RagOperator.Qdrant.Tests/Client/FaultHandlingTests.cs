using System.Net;
using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class FaultHandlingTests
{
    private static readonly CreateCollectionRequest SmallCollection = new(new VectorParams(2, Distance.Dot));

    [Fact]
    public async Task Transient_server_errors_are_retried_until_the_call_succeeds()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", SmallCollection);
        harness.Recorder.Clear();
        harness.Server.Faults.FailNext(2, 503);

        var result = await harness.Client.UpsertAsync("c", [new PointStruct(1, [1, 0])]);

        result.Status.Should().Be(UpdateStatus.Completed);
        harness.Recorder.Count("POST", "/qdrant.Points/Upsert").Should().Be(3);
        harness.Server.Faults.InjectedErrors.Should().Be(2);
        harness.Server.Collections.PointCount("c").Should().Be(1);
    }

    [Fact]
    public async Task A_random_error_rate_is_absorbed_by_retries()
    {
        await using var harness = await QdrantHarness.StartAsync(new InProcessQdrantOptions { Seed = 17 },
            uri => new QdrantClientOptions { BaseUri = uri, MaxRetries = 8, RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(2) });
        await harness.Client.CreateCollectionAsync("c", SmallCollection);
        harness.Server.Faults.ErrorRate = 0.3;

        for (var i = 0; i < 40; i++)
        {
            await harness.Client.UpsertAsync("c", [new PointStruct((ulong)i, [i, 1])]);
        }

        harness.Server.Faults.ErrorRate = 0;
        harness.Server.Faults.InjectedErrors.Should().BeGreaterThan(0);
        (await harness.Client.CountAsync("c")).Should().Be(40);
    }

    [Fact]
    public async Task A_bad_request_is_not_retried()
    {
        await using var harness = await QdrantHarness.StartAsync();
        await harness.Client.CreateCollectionAsync("c", SmallCollection);
        harness.Recorder.Clear();

        var act = () => harness.Client.UpsertAsync("c", [new PointStruct(1, [1, 2, 3])]);

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsTransient.Should().BeFalse();
        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        harness.Recorder.Count("POST", "/qdrant.Points/Upsert").Should().Be(1);
    }

    [Fact]
    public async Task Persistent_server_errors_surface_after_the_configured_retries()
    {
        await using var harness = await QdrantHarness.StartAsync();
        harness.Server.Faults.FailNext(100, 500);

        var act = () => harness.Client.CollectionExistsAsync("c");

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        error.QdrantMessage.Should().Be("Service internal error: injected fault");
        harness.Recorder.Count("POST", "/qdrant.Collections/CollectionExists").Should().Be(4, "one attempt and three retries");
    }

    [Theory]
    [InlineData(QdrantDownMode.CloseConnection)]
    [InlineData(QdrantDownMode.ServiceUnavailable)]
    public async Task A_downed_shard_gives_a_transient_error_naming_the_shard(QdrantDownMode mode)
    {
        await using var harness = await QdrantHarness.StartAsync();
        harness.Server.Faults.Down(mode);

        var act = () => harness.Client.CountAsync("c");

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.ShardUri.Should().Be(harness.Server.BaseUri);
        error.Message.Should().Contain(harness.Server.BaseUri.ToString()).And.Contain("count_points");

        harness.Server.Faults.Up();
        (await harness.Client.CollectionExistsAsync("c")).Should().BeFalse("the shard answers again");
    }

    [Fact]
    public async Task A_shard_nobody_listens_on_is_reported_as_unreachable()
    {
        int port;
        await using (var gone = await InProcessQdrantServer.StartAsync())
        {
            port = gone.BaseUri.Port;
        }

        using var client = new QdrantShardClient(new QdrantClientOptions
        {
            BaseUri = new Uri($"http://127.0.0.1:{port}"),
            GrpcUri = new Uri($"http://127.0.0.1:{port}"),
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        });

        var act = () => client.GetCollectionAsync("c");

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.StatusCode.Should().BeNull();
        error.Message.Should().Contain($"http://127.0.0.1:{port}/").And.Contain("unreachable");
    }

    [Fact]
    public async Task A_slow_shard_times_out_per_attempt_and_recovers_when_fast_again()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var impatient = harness.ClientWith(options => new QdrantClientOptions
        {
            BaseUri = options.BaseUri,
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            // Far below the shard's latency, yet long enough that a loaded CI machine answers the fast request in time.
            RequestTimeout = TimeSpan.FromSeconds(1),
        });
        harness.Server.Faults.Latency = TimeSpan.FromSeconds(4);

        var act = () => impatient.CollectionExistsAsync("c");

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.IsTransient.Should().BeTrue();
        error.Message.Should().Contain("no response within");

        harness.Server.Faults.Latency = TimeSpan.Zero;
        (await impatient.CollectionExistsAsync("c")).Should().BeFalse();
    }

    [Fact]
    public async Task Caller_cancellation_is_not_turned_into_a_qdrant_error()
    {
        await using var harness = await QdrantHarness.StartAsync();
        harness.Server.Faults.Latency = TimeSpan.FromSeconds(5);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var act = () => harness.Client.CollectionExistsAsync("c", cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Retries_are_reported_to_the_callback_without_credentials()
    {
        var events = new List<QdrantRetryEvent>();
        await using var harness = await QdrantHarness.StartAsync(new InProcessQdrantOptions { ApiKey = "s3cret-key" },
            uri => new QdrantClientOptions
            {
                BaseUri = uri,
                ApiKey = "s3cret-key",
                RetryBaseDelay = TimeSpan.FromMilliseconds(1),
                OnRetry = events.Add,
            });
        harness.Server.Faults.FailNext(1, 429);

        await harness.Client.CollectionExistsAsync("c");

        events.Should().ContainSingle();
        events[0].Operation.Should().Be("collection_exists");
        events[0].AttemptNumber.Should().Be(1);
        events[0].ShardUri.Should().Be(harness.Server.BaseUri);
        events[0].Failure!.Message.Should().Contain("ResourceExhausted").And.NotContain("s3cret-key");
    }
}
