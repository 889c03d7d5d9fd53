using System.Globalization;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class ConcurrencyTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task Concurrent_read_modify_write_loops_with_conflict_retries_lose_no_increment()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("counter", data: new() { ["n"] = "0" }));
        var conflicts = 0;

        async Task IncrementAsync(int times)
        {
            for (var done = 0; done < times;)
            {
                for (var attempt = 0; attempt < 200; attempt++)
                {
                    var current = await http.GetAsync($"{ConfigMaps}/counter");
                    var next = int.Parse(Objects.Str(current.Body["data"]!["n"]), CultureInfo.InvariantCulture) + 1;
                    current.Body["data"]!["n"] = next.ToString(CultureInfo.InvariantCulture);
                    var put = await http.PutAsync($"{ConfigMaps}/counter", current.Body);
                    if (put.Code == 200)
                    {
                        break;
                    }

                    put.Code.Should().Be(409);
                    Interlocked.Increment(ref conflicts);
                }

                done++;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => IncrementAsync(10))));

        Objects.Str((await http.GetAsync($"{ConfigMaps}/counter")).Body["data"]!["n"]).Should().Be("60");
    }

    [Fact]
    public async Task A_watcher_sees_every_concurrent_write_exactly_once_in_order()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var start = server.Store.ResourceVersion;
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={start}");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await http.PostAsync(ConfigMaps, Objects.ConfigMap($"w{writer}-{i}"));
            }
        })));

        var versions = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            var next = await watch.NextEventAsync();
            versions.Add(long.Parse(Objects.Str(next["object"]!["metadata"]!["resourceVersion"]), CultureInfo.InvariantCulture));
        }

        versions.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        versions.Should().Equal(Enumerable.Range(1, 40).Select(i => start + i));
    }
}
