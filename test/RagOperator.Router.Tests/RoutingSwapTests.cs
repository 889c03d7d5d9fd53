using System.Collections.Concurrent;
using System.Net;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

/// <summary>Routing tables published through the ConfigMap are hot-swapped under load.</summary>
public sealed class RoutingSwapTests
{
    [Fact]
    public async Task Publishing_new_versions_under_concurrent_searches_and_writes_drops_no_request_and_every_answer_is_complete()
    {
        // Shard 2 starts empty; the published migrations move cells to it under read-old, then are rolled back, so
        // every version reads the same data and every answer can be checked against the oracle.
        await using var cluster = await ShardCluster.StartAsync(shards: 3, dimension: 4, distance: Distance.Euclid, slots: 48);
        var v1 = RoutingTable.Create(cluster.Collection, ShardCluster.Namespace, 1, new HashCellAssigner(48), 4, Distance.Euclid,
        [
            new RoutingShard(0, cluster.Servers[0].BaseUri.AbsoluteUri, CellSet.FromRange(0, 23)),
            new RoutingShard(1, cluster.Servers[1].BaseUri.AbsoluteUri, CellSet.FromRange(24, 47)),
            new RoutingShard(2, cluster.Servers[2].BaseUri.AbsoluteUri, CellSet.Empty),
        ]);
        await using var kube = await KubeRouter.StartAsync(cluster, v1);
        var random = new Random(11);
        var preloaded = Enumerable.Range(1, 400).ToDictionary(i => (ulong)i, _ => Vectors.Random(random, 4));
        (await kube.Client.UpsertAsync(Requests.Upsert(preloaded.Select(p => Requests.Point(p.Key, p.Value))))).Status.Should().Be(HttpStatusCode.OK);

        var tables = new List<RoutingTable> { v1 };
        for (var version = 2; version <= 7; version++)
        {
            var previous = tables[^1];
            tables.Add(previous.IsStable
                ? previous.StartMigration(version, $"m-{version}", [new CellMove(CellSet.FromRange(16 + version, 23), 0, 2), new CellMove(CellSet.FromRange(40, 47), 1, 2)])
                : previous.AbandonMigration(version));
        }

        var failures = new ConcurrentQueue<string>();
        var written = new ConcurrentDictionary<ulong, byte>();
        var versionsSeen = new ConcurrentDictionary<long, int>();
        var publishing = true;
        var queries = Enumerable.Range(0, 16).Select(_ => Vectors.Random(random, 4)).ToList();
        var expected = queries.Select(q => Vectors.Exact(Distance.Euclid, q, preloaded, 10)).ToList();

        async Task Searcher(int worker)
        {
            // Bounded: at least 30 searches, and on until publishing ends, never more than 3000.
            for (var i = 0; i < 3000 && (i < 30 || Volatile.Read(ref publishing)); i++)
            {
                var q = (worker + i) % queries.Count;
                var reply = await kube.Client.SearchAsync(Requests.Search(queries[q], 10));
                if (reply.Status != HttpStatusCode.OK || reply.Body!["partial"]!.GetValue<bool>())
                {
                    failures.Enqueue($"search: {reply}");
                    continue;
                }

                versionsSeen.AddOrUpdate(reply.Body["routing_version"]!.GetValue<long>(), 1, (_, n) => n + 1);
                var ids = Requests.Ids(reply.Body["result"]);
                var want = expected[q].Select(e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
                if (!ids.SequenceEqual(want))
                {
                    failures.Enqueue($"search {q} at v{reply.Body["routing_version"]}: got [{string.Join(",", ids)}], expected [{string.Join(",", want)}]");
                }
            }
        }

        async Task Writer(int worker)
        {
            for (var i = 0; i < 3000 && (i < 30 || Volatile.Read(ref publishing)); i++)
            {
                // Far from every query, so the searchers' answers do not depend on the writers' progress.
                var ids = Enumerable.Range(0, 5).Select(j => 100_000UL + ((ulong)worker * 100_000) + ((ulong)i * 5) + (ulong)j).ToList();
                var reply = await kube.Client.UpsertAsync(Requests.Upsert(ids.Select(id => Requests.Point(id, [50, 50, 50, 50]))));
                if (reply.Status != HttpStatusCode.OK)
                {
                    failures.Enqueue($"upsert: {reply}");
                    continue;
                }

                foreach (var id in ids)
                {
                    written[id] = 0;
                }
            }
        }

        var load = Enumerable.Range(0, 4).Select(Searcher).Concat(Enumerable.Range(0, 4).Select(Writer)).ToList();
        foreach (var table in tables.Skip(1))
        {
            await Task.Delay(50);
            await kube.PublishAsync(table);
            await kube.Handle.WaitForVersionAsync(table.Version, TimeSpan.FromSeconds(10));
        }

        Volatile.Write(ref publishing, false);
        await Task.WhenAll(load);

        failures.Should().BeEmpty();
        versionsSeen.Keys.Should().HaveCountGreaterThan(1, "the searches ran while versions changed");
        var routing = await kube.Client.GetAsync("v1/routing");
        routing.Body!["version"]!.GetValue<long>().Should().Be(7);
        routing.Body["servedVersion"]!.GetValue<long>().Should().Be(7);

        // Every acknowledged write is on the owner of its cell in the final (stable) table.
        var final = tables[^1];
        final.IsStable.Should().BeTrue();
        written.Should().NotBeEmpty();
        foreach (var id in written.Keys)
        {
            var owner = final.OldOwner(final.CellOf(PointKey.FromUlong(id)));
            cluster.Servers[owner].Collections.GetPoint(cluster.Collection, id).Should().NotBeNull($"acknowledged point {id} is on shard {owner}");
        }
    }

    [Fact]
    public async Task A_malformed_or_stale_table_is_refused_and_the_last_good_one_keeps_serving()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        await using var kube = await KubeRouter.StartAsync(cluster, cluster.StableTable(version: 5));
        (await kube.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [1, 0]), Requests.Point(2, [0, 1])]))).Status.Should().Be(HttpStatusCode.OK);

        await kube.PublishAsync("""{"collection":"docs","version":6,"strategy":"hash"""); // truncated JSON
        await WaitForProblemAsync(kube, "not valid JSON");
        await kube.PublishAsync(cluster.StableTable(version: 3)); // older than the served v5
        await WaitForProblemAsync(kube, "the version goes backwards (serving v5)");
        var overlapping = cluster.StableTable(version: 6).ToJson().Replace("\"0-31\"", "\"0-40\"", StringComparison.Ordinal);
        await kube.PublishAsync(overlapping);
        await WaitForProblemAsync(kube, "owned by both shard 0 and shard 1");

        kube.Handle.CurrentTable!.Version.Should().Be(5);
        var search = await kube.Client.SearchAsync(Requests.Search([1, 0], 2));
        search.Status.Should().Be(HttpStatusCode.OK, search.Text);
        search.Body!["routing_version"]!.GetValue<long>().Should().Be(5);
        Requests.Ids(search.Body["result"]).Should().Equal("1", "2");
        var routing = await kube.Client.GetAsync("v1/routing");
        routing.Body!["version"]!.GetValue<long>().Should().Be(5);
        routing.Body["lastProblem"]!["reason"]!.GetValue<string>().Should().Contain("owned by both");
        var metrics = await kube.Client.GetAsync("metrics");
        metrics.Text.Should().Contain("ragrouter_routing_rejections_total{").And.Contain("outcome=\"StaleVersion\"").And.Contain("outcome=\"Invalid\"");

        await kube.PublishAsync(cluster.StableTable(version: 6));
        await kube.Handle.WaitForVersionAsync(6, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_deleted_routing_config_map_is_reported_and_the_router_keeps_serving()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 1, dimension: 2, distance: Distance.Dot);
        await using var kube = await KubeRouter.StartAsync(cluster, cluster.StableTable());
        using var kubeClient = new RagOperator.Kubernetes.Client.KubernetesClient(
            RagOperator.Kubernetes.Configuration.KubernetesClientConfiguration.ForServer(kube.ApiServer.BaseUri));

        await kubeClient.DeleteAsync<RagOperator.Kubernetes.Models.ConfigMap>(KubeRouter.ConfigMapName, ShardCluster.Namespace);
        await WaitForProblemAsync(kube, "was deleted");

        (await kube.Client.SearchAsync(Requests.Search([1, 0], 2))).Status.Should().Be(HttpStatusCode.OK);
        (await kube.Client.GetAsync("readyz")).Status.Should().Be(HttpStatusCode.OK);
    }

    private static async Task WaitForProblemAsync(KubeRouter kube, string fragment)
    {
        for (var i = 0; i < 500; i++)
        {
            if (kube.Handle.LastRoutingProblem?.Reason.Contains(fragment, StringComparison.Ordinal) == true)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"the router never reported '{fragment}'; last problem: {kube.Handle.LastRoutingProblem?.Reason ?? "none"}");
    }
}
