using System.Diagnostics.Metrics;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class MetricsTests
{
    [Fact]
    public async Task Each_attempt_is_counted_by_operation_and_outcome_with_its_latency()
    {
        await using var harness = await QdrantHarness.StartAsync();
        var shard = harness.Server.BaseUri.Authority;
        var requests = new List<(long Value, string Operation, string Outcome)>();
        var durations = new List<(double Seconds, string Operation)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == QdrantMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "qdrant.client.requests" && Tag(tags, "server.address") == shard)
            {
                lock (requests)
                {
                    requests.Add((value, Tag(tags, "operation")!, Tag(tags, "outcome")!));
                }
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "qdrant.client.request.duration" && Tag(tags, "server.address") == shard &&
                Tag(tags, "operation") == "create_collection")
            {
                lock (durations)
                {
                    durations.Add((value, Tag(tags, "operation")!));
                }
            }
        });
        listener.Start();

        await harness.Client.CreateCollectionAsync("m", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        harness.Server.Faults.FailNext(1, 503);
        await harness.Client.CountAsync("m");
        await FluentActions.Awaiting(() => harness.Client.CountAsync("missing")).Should().ThrowAsync<QdrantException>();

        lock (requests)
        {
            requests.Should().Contain((1, "create_collection", "success"));
            requests.Where(r => r.Operation == "count_points").Select(r => r.Outcome)
                .Should().BeEquivalentTo(["server_error", "success", "client_error"]);
        }

        lock (durations)
        {
            durations.Should().ContainSingle().Which.Seconds.Should().BePositive();
        }
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
