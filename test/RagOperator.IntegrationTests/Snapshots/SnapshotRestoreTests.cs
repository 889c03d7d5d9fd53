using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.S3;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Snapshots;
using RagOperator.Routing;
using RagOperator.Sandbox;
using RagOperator.Workload;
using Xunit;
using Xunit.Abstractions;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.IntegrationTests.Snapshots;

/// <summary>
/// Snapshots and restores driven through the operator on the in-process servers: the API server, one Qdrant server
/// per shard, the routers, and an in-process S3 server or a directory standing for a mounted PVC.
/// </summary>
public sealed class SnapshotRestoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    // One per collection: each verifies its routers against that collection's CA.
    private readonly List<HttpClient> routerHttp = [];

    public void Dispose()
    {
        foreach (var http in routerHttp) http.Dispose();
    }

    [Fact]
    public async Task A_snapshot_of_a_four_shard_collection_restores_into_a_new_collection_that_answers_searches_identically()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await using var s3 = await InProcessS3Server.StartAsync(new InProcessS3Options { Buckets = ["backups"] });
        await CreateS3SecretAsync(sandbox, s3);

        // 3 shards, then 4: after the migration the cell ownership is no longer 4 equal contiguous ranges, so the
        // restore must carry it over for the copy to route like the source.
        await Collections.CreateReadyAsync(sandbox, Docs("docs", 3));
        var router = await RouterAsync(sandbox, "docs");
        await WriteAsync(router, 0, 240, seed: 1);
        await sandbox.ApplyAsync(Docs("docs", 4));
        await sandbox.WaitForCollectionAsync("docs", c => c.Status?.Migration is { Phase: Api.V1Alpha1.MigrationPhase.Done, ToShards: 4 }, "migration to 4 shards", Timeout);
        await WriteAsync(router, 240, 120, seed: 2);
        var source = await sandbox.WaitForConditionAsync("docs", "Ready", timeout: Timeout);
        var sourceTable = await TableAsync(sandbox, "docs");
        sourceTable.Shards.Should().HaveCount(4);
        sourceTable.IsStable.Should().BeTrue();

        // Snapshot into S3.
        await sandbox.ApplyAsync(new VectorSnapshot
        {
            Metadata = new ObjectMeta { Name = "docs-snap" },
            Spec = new VectorSnapshotSpec { Collection = "docs", Storage = S3(s3) },
        });
        var snapshot = await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => s.Status?.Phase == SnapshotPhases.Completed, s => s.Status);

        snapshot.Status!.RoutingVersion.Should().Be(sourceTable.Version);
        snapshot.Status.Progress!.Summary.Should().Be("4/4");
        snapshot.Status.Location.Should().Be("s3://backups/prod");
        snapshot.Status.Conditions.Should().Contain(c => c.Type == "Complete" && c.Status == "True")
            .And.Contain(c => c.Type == "Failed" && c.Status == "False");
        snapshot.Status.Files.Should().HaveCount(4);
        snapshot.Status.Files!.Sum(f => f.Points).Should().Be(360);
        foreach (var file in snapshot.Status.Files!)
        {
            var stored = s3.Content("backups", "prod/" + file.Key)!;
            Convert.ToHexStringLower(SHA256.HashData(stored)).Should().Be(file.Sha256, $"shard {file.Shard}'s object is the file Qdrant described");
            stored.LongLength.Should().Be(file.Size);
        }

        s3.Keys("backups").Should().Contain("prod/" + snapshot.Status.Manifest);
        for (var shard = 0; shard < 4; shard++)
            (await (await Collections.ClientAsync(sandbox, "docs", shard)).ListSnapshotsAsync("docs")).Should().BeEmpty("Qdrant's own copy is deleted once stored");

        // Restore into a new collection.
        await sandbox.ApplyAsync(new VectorRestore
        {
            Metadata = new ObjectMeta { Name = "docs-back" },
            Spec = new VectorRestoreSpec { Source = new RestoreSource { Snapshot = "docs-snap" }, Target = new RestoreTarget { Name = "docs-copy" } },
        });
        var restore = await WaitForAsync<VectorRestore>(sandbox, "docs-back", r => r.Status?.Phase == SnapshotPhases.Completed, r => r.Status);

        restore.Status!.SourceCollection.Should().Be($"{sandbox.Namespace}/docs");
        restore.Status.RoutingVersion.Should().Be(sourceTable.Version);
        restore.Status.Progress!.Summary.Should().Be("4/4");
        restore.Status.Files!.Sum(f => f.Points).Should().Be(360);
        var copy = await sandbox.WaitForConditionAsync("docs-copy", "Ready", timeout: Timeout);
        copy.Metadata.Annotations.Should().ContainKey(RestoredCollection.RestoredByAnnotation);
        var copyTable = await TableAsync(sandbox, "docs-copy");
        copyTable.Shards.Select(s => s.Cells).Should().Equal(sourceTable.Shards.Select(s => s.Cells), "the copy owns the same cells on the same shards");
        for (var shard = 0; shard < 4; shard++)
            sandbox.Shard("docs-copy", shard)!.Collections.PointCount("docs-copy").Should().Be(sandbox.Shard("docs", shard)!.Collections.PointCount("docs"));

        // The same queries through each collection's routers give the same answers.
        var copyRouter = await RouterAsync(sandbox, "docs-copy");
        await SandboxHost.WaitForAsync(async token => (await copyRouter.ServedVersionsAsync(token)).All(v => v == copyTable.Version) ? copyTable : null,
            Timeout, "the copy's routers to serve its table");
        var random = new Random(5);
        for (var q = 0; q < 20; q++)
        {
            var query = Vector(random);
            var expected = await router.SearchAsync(query, 10);
            var actual = await copyRouter.SearchAsync(query, 10);
            expected.Succeeded.Should().BeTrue(expected.Error);
            actual.Succeeded.Should().BeTrue(actual.Error);
            actual.Hits.Should().HaveCount(10);
            actual.Hits.Select(h => (h.Id, h.Score, h.Shard)).Should().Equal(expected.Hits.Select(h => (h.Id, h.Score, h.Shard)), $"query {q}");
        }

        output.WriteLine($"source v{sourceTable.Version}: {string.Join(" | ", sourceTable.Shards.Select(s => s.Cells))}");
    }

    [Fact]
    public async Task A_restore_into_a_collection_that_has_data_is_refused_and_writes_nothing_while_an_empty_one_is_filled()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        sandbox.MountSnapshotVolume("backups");
        await Collections.CreateReadyAsync(sandbox, Docs("docs", 2));
        await WriteAsync(await RouterAsync(sandbox, "docs"), 0, 80, seed: 3);
        await sandbox.ApplyAsync(new VectorSnapshot
        {
            Metadata = new ObjectMeta { Name = "docs-snap" },
            Spec = new VectorSnapshotSpec { Collection = "docs", Storage = Pvc("backups", "team-a") },
        });
        var snapshot = await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => s.Status?.Phase == SnapshotPhases.Completed, s => s.Status);
        snapshot.Status!.Location.Should().Be("pvc://backups/team-a");
        File.Exists(Path.Combine(sandbox.SnapshotVolumeRoot, "backups", "team-a", snapshot.Status.Manifest!)).Should().BeTrue();

        // A collection of the same shape that already holds data.
        await Collections.CreateReadyAsync(sandbox, Docs("busy", 2));
        await WriteAsync(await RouterAsync(sandbox, "busy"), 1000, 30, seed: 4);
        var before = Enumerable.Range(0, 2).Select(i => sandbox.Shard("busy", i)!.Collections.GetPoints("busy").Select(p => (p.Id, p.Version)).Order().ToList()).ToList();

        await sandbox.ApplyAsync(Restore("into-busy", "busy"));
        var refused = await WaitForAsync<VectorRestore>(sandbox, "into-busy", r => r.Status?.Phase == SnapshotPhases.Failed, r => r.Status);

        var failed = refused.Status!.Conditions!.Single(c => c.Type == "Failed");
        failed.Status.Should().Be("True");
        failed.Reason.Should().Be("TargetHasData");
        failed.Message.Should().Contain("already holds data").And.Contain("nothing was written").And.Contain("spec.target.name");
        refused.Status.Files.Should().BeNullOrEmpty();
        for (var i = 0; i < 2; i++)
            sandbox.Shard("busy", i)!.Collections.GetPoints("busy").Select(p => (p.Id, p.Version)).Order().Should().Equal(before[i], $"shard {i} of busy is untouched");
        (await sandbox.Client.TryGetAsync<ConfigMap>(RestoredCollection.RoutingConfigMapName("busy"), sandbox.Namespace)).Should().BeNull();
        ((await sandbox.GetCollectionAsync("busy")).Metadata.Annotations ?? new Dictionary<string, string>())
            .Should().NotContainKey(RestoredCollection.RestoredByAnnotation);

        // An existing, empty collection of the same shape and ownership is accepted and filled.
        await Collections.CreateReadyAsync(sandbox, Docs("empty", 2));
        await sandbox.ApplyAsync(Restore("into-empty", "empty"));
        var restored = await WaitForAsync<VectorRestore>(sandbox, "into-empty", r => r.Status?.Phase == SnapshotPhases.Completed, r => r.Status);
        restored.Status!.Files!.Sum(f => f.Points).Should().Be(80);
        Enumerable.Range(0, 2).Sum(i => sandbox.Shard("empty", i)!.Collections.PointCount("empty")).Should().Be(80);
    }

    [Fact]
    public async Task Scheduled_snapshots_run_on_the_cron_schedule_and_keep_only_the_newest_ones()
    {
        // One minute past the last */5 boundary before now: no run falls between the collection's creation and this
        // clock, so the scheduler takes nothing before the loop below moves the clock (a clock on a boundary would
        // start a run at creation that can still be running when the first tested run is due, which is then skipped).
        var start = DateTimeOffset.UtcNow;
        var minute = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, start.Minute, 0, TimeSpan.Zero);
        var clock = new ManualClock(minute.AddMinutes(1 - (minute.Minute % 5)));
        await using var sandbox = await Collections.StartSandboxAsync(new SandboxOptions { SnapshotTime = clock });
        var directory = sandbox.MountSnapshotVolume("nightly");
        await Collections.CreateReadyAsync(sandbox, Docs("docs", 2, spec => spec.Snapshots = new SnapshotScheduleSpec
        {
            Schedule = "*/5 * * * *",
            Retain = 2,
            Storage = Pvc("nightly", null),
        }));
        await WriteAsync(await RouterAsync(sandbox, "docs"), 0, 40, seed: 6);

        var taken = new List<string>();
        for (var run = 0; run < 4; run++)
        {
            var due = clock.Now.AddMinutes(5 - (clock.Now.Minute % 5));
            clock.Now = due.AddSeconds(20);
            await sandbox.Operator!.SnapshotScheduler!.ReconcileAsync(new ReconcileRequest(sandbox.Namespace, "docs"), CancellationToken.None);
            var name = SnapshotSchedule.SnapshotName("docs", due);
            taken.Add(name);
            var done = await WaitForAsync<VectorSnapshot>(sandbox, name, s => s.Status?.Phase == SnapshotPhases.Completed, s => s.Status);
            done.Spec.DeletionPolicy.Should().Be(SnapshotDeletionPolicy.Delete);
            done.Metadata.OwnerReferences.Should().BeNull("scheduled snapshots outlive their collection");
        }

        // One more pass lets retention see the last completion.
        await sandbox.Operator!.SnapshotScheduler!.ReconcileAsync(new ReconcileRequest(sandbox.Namespace, "docs"), CancellationToken.None);
        var kept = await SandboxHost.WaitForAsync(async token =>
        {
            var list = await sandbox.Client.ListAsync<VectorSnapshot>(sandbox.Namespace, cancellationToken: token);
            return list.Items.Count == 2 ? list.Items : null;
        }, Timeout, "retention to leave 2 scheduled snapshots");

        kept.Select(s => s.Metadata.Name).Order().Should().Equal(taken.TakeLast(2));
        var manifests = Directory.GetFiles(directory, SnapshotKeys.ManifestFile, SearchOption.AllDirectories);
        manifests.Should().HaveCount(2, "the files of the deleted snapshots are deleted too");
        Directory.GetFiles(directory, "*.snapshot", SearchOption.AllDirectories).Should().HaveCount(4);
        // The schedule's status is written from the operator's cache, which may see the last completion a moment late:
        // wait for the status that names it rather than the first one that counts two.
        var status = (await sandbox.WaitForCollectionAsync("docs",
            c => c.Status?.Snapshots is { Retained: 2 } s && s.LastSuccessfulSnapshot == taken[^1],
            "status.snapshots to count 2 retained and name the last snapshot")).Status!.Snapshots!;
        status.NextScheduleTime.Should().BeAfter(clock.Now);
        status.Message.Should().BeNull();
    }

    [Fact]
    public async Task A_snapshot_reports_missing_storage_waits_for_a_running_migration_and_retries_shard_and_storage_faults()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await using var s3 = await InProcessS3Server.StartAsync(new InProcessS3Options { Buckets = ["backups"] });
        await Collections.CreateReadyAsync(sandbox, Docs("docs", 2, spec => spec.Rebalance.MaxPointsPerSecond = 200));
        await WriteAsync(await RouterAsync(sandbox, "docs"), 0, 600, seed: 7);

        // Storage that cannot be used is reported, with what to do about it.
        await sandbox.ApplyAsync(new VectorSnapshot
        {
            Metadata = new ObjectMeta { Name = "nowhere" },
            Spec = new VectorSnapshotSpec { Collection = "docs", Storage = Pvc("not-mounted", null) },
        });
        await sandbox.ApplyAsync(new VectorSnapshot { Metadata = new ObjectMeta { Name = "docs-snap" }, Spec = new VectorSnapshotSpec { Collection = "docs", Storage = S3(s3) } });
        var unmounted = await WaitForAsync<VectorSnapshot>(sandbox, "nowhere", s => Reason(s) == "VolumeNotMounted", s => s.Status);
        unmounted.Status!.Message.Should().Contain("snapshots.volumes");
        var noSecret = await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => Reason(s) == "SecretNotFound", s => s.Status);
        noSecret.Status!.Message.Should().Contain("kubectl -n default create secret generic backup-s3");

        // A migration starts before the credentials arrive: the set waits for it, then faults make two attempts fail.
        await sandbox.ApplyAsync(Docs("docs", 3, spec => spec.Rebalance.MaxPointsPerSecond = 200));
        await sandbox.WaitForCollectionAsync("docs", c => c.Status?.Migration is { Phase: not Api.V1Alpha1.MigrationPhase.Done }, "the migration to start", Timeout);
        // The snapshot controller reads the collection from the operator's cache, which may see the migration a moment
        // later than the API server does; until then it would (rightly) take the set under the stable table.
        await SandboxHost.WaitForAsync(_ => Task.FromResult(
                sandbox.Operator!.Snapshots.View.Get<VectorCollection>(sandbox.Namespace, "docs")?.Status?.Migration is { Phase: not Api.V1Alpha1.MigrationPhase.Done }
                    ? sandbox.Operator : null),
            Timeout, "the operator's cache to show the migration");
        await CreateS3SecretAsync(sandbox, s3);
        await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => s.Status?.Phase == SnapshotPhases.WaitingForMigration, s => s.Status);
        sandbox.Shard("docs", 0)!.Faults.FailNextSnapshotRequests(1, 500);
        sandbox.Shard("docs", 1)!.Faults.CorruptNextSnapshotDownloads(1);

        var snapshot = await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => s.Status?.Phase == SnapshotPhases.Completed, s => s.Status);

        var table = await TableAsync(sandbox, "docs");
        table.IsStable.Should().BeTrue();
        table.Shards.Should().HaveCount(3);
        snapshot.Status!.RoutingVersion.Should().Be(table.Version, "the set was taken under the table the migration left");
        snapshot.Status.FailedAttempts.Should().Be(2, "an injected 500 on create and a corrupted download each cost one attempt");
        snapshot.Status.Files!.Select(f => f.Shard).Should().Equal(0, 1, 2);
        snapshot.Status.Files!.Sum(f => f.Points).Should().Be(600);
        foreach (var file in snapshot.Status.Files!)
            Convert.ToHexStringLower(SHA256.HashData(s3.Content("backups", "prod/" + file.Key)!)).Should().Be(file.Sha256);
        var events = await sandbox.Client.ListAsync<Event>(sandbox.Namespace);
        events.Items.Where(e => e.Regarding?.Name == "docs-snap").Select(e => e.Reason).Should().Contain(["SnapshotRetrying", "SnapshotCompleted"]);
    }

    [Fact]
    public async Task A_snapshot_set_whose_routing_changes_while_it_is_taken_is_discarded_and_taken_again()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await using var s3 = await InProcessS3Server.StartAsync(new InProcessS3Options { Buckets = ["backups"] });
        await CreateS3SecretAsync(sandbox, s3);
        await Collections.CreateReadyAsync(sandbox, Docs("docs", 2));
        await WriteAsync(await RouterAsync(sandbox, "docs"), 0, 100, seed: 8);
        var before = await TableAsync(sandbox, "docs");
        var slow = sandbox.Shard("docs", 1)!;
        slow.Faults.SnapshotCreationDelay = TimeSpan.FromSeconds(6);

        await sandbox.ApplyAsync(new VectorSnapshot { Metadata = new ObjectMeta { Name = "docs-snap" }, Spec = new VectorSnapshotSpec { Collection = "docs", Storage = S3(s3) } });
        var halfway = await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => s.Status?.Files?.Count == 1, s => s.Status);
        halfway.Status!.RoutingVersion.Should().Be(before.Version);

        // While shard 1's snapshot is being created, a migration to 3 shards publishes new routing versions.
        await sandbox.ApplyAsync(Docs("docs", 3));
        await SandboxHost.WaitForAsync(async token =>
        {
            var events = await sandbox.Client.ListAsync<Event>(sandbox.Namespace, cancellationToken: token);
            return events.Items.FirstOrDefault(e => e.Regarding?.Name == "docs-snap" && e.Reason == "SnapshotRestarted");
        }, Timeout, "the snapshot to notice the routing change and start over");
        slow.Faults.SnapshotCreationDelay = TimeSpan.Zero;

        var snapshot = await WaitForAsync<VectorSnapshot>(sandbox, "docs-snap", s => s.Status?.Phase == SnapshotPhases.Completed, s => s.Status);

        var after = await TableAsync(sandbox, "docs");
        after.Shards.Should().HaveCount(3);
        snapshot.Status!.RoutingVersion.Should().Be(after.Version).And.BeGreaterThan(before.Version);
        snapshot.Status.Files!.Select(f => f.Shard).Should().Equal(0, 1, 2);
        snapshot.Status.Files!.Sum(f => f.Points).Should().Be(100);
        s3.Keys("backups").Should().HaveCount(4, "the discarded set's file was deleted: three shard files and the manifest remain");
    }

    private static string? Reason(VectorSnapshot snapshot) => snapshot.Status?.Conditions?.FirstOrDefault(c => c.Type == "Complete")?.Reason;

    private static SnapshotStorageSpec S3(InProcessS3Server s3) => new()
    {
        S3 = new S3SnapshotStorage
        {
            Endpoint = s3.BaseUri.AbsoluteUri.TrimEnd('/'),
            Bucket = "backups",
            Prefix = "prod",
            CredentialsSecretRef = new S3CredentialsSecretRef { Name = "backup-s3" },
        },
    };

    private static Task<Secret> CreateS3SecretAsync(SandboxHost sandbox, InProcessS3Server s3) => sandbox.ApplyAsync(new Secret
    {
        Metadata = new ObjectMeta { Name = "backup-s3" },
        Data = new Dictionary<string, byte[]>
        {
            ["accessKeyId"] = System.Text.Encoding.UTF8.GetBytes(s3.AccessKeyId),
            ["secretAccessKey"] = System.Text.Encoding.UTF8.GetBytes(s3.SecretAccessKey),
        },
    });

    private static VectorCollection Docs(string name, int shards, Action<VectorCollectionSpec>? configure = null) => Collections.Docs(name, spec =>
    {
        spec.Shards = shards;
        spec.Sharding.Slots = 1024;
        configure?.Invoke(spec);
    });

    private static SnapshotStorageSpec Pvc(string claim, string? path) => new() { Pvc = new PvcSnapshotStorage { ClaimName = claim, Path = path } };

    private static VectorRestore Restore(string name, string target) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new VectorRestoreSpec { Source = new RestoreSource { Snapshot = "docs-snap" }, Target = new RestoreTarget { Name = target } },
    };

    private async Task<RouterClient> RouterAsync(SandboxHost sandbox, string name)
    {
        var routers = await SandboxHost.WaitForAsync(
            _ => Task.FromResult(sandbox.RoutersOf(name) is { Count: >= 2 } r && r.All(x => x.CurrentTable is not null) ? r : null),
            Timeout, $"two routers of {name} serving a table");
        var http = await sandbox.RouterHttpClientAsync(name, TimeSpan.FromSeconds(100));
        routerHttp.Add(http);
        return new RouterClient(http, [.. routers.Select(r => r.BaseUri)], name, Collections.RouterKey);
    }

    private static async Task WriteAsync(RouterClient router, int first, int count, int seed)
    {
        var random = new Random(seed);
        for (var offset = 0; offset < count; offset += 40)
        {
            var points = Enumerable.Range(first + offset, Math.Min(40, count - offset))
                .Select(id => new RouterPoint((ulong)id, Vector(random), new JsonObject { ["title"] = $"doc {id}" }))
                .ToList();
            var result = await router.UpsertAsync(points);
            result.Acknowledged.Should().BeTrue(result.Error);
        }
    }

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, 8).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    private static async Task<RoutingTable> TableAsync(SandboxHost sandbox, string name) =>
        RoutingTable.Parse((await sandbox.Client.GetAsync<ConfigMap>($"{name}-routing", sandbox.Namespace)).Data!["routing.json"]);

    private static async Task<T> WaitForAsync<T>(SandboxHost sandbox, string name, Func<T, bool> done, Func<T, object?> status)
        where T : class, IKubernetesObject
    {
        T? last = null;
        try
        {
            return await SandboxHost.WaitForAsync(async token =>
            {
                last = await sandbox.Client.TryGetAsync<T>(name, sandbox.Namespace, token);
                return last is not null && done(last) ? last : null;
            }, Timeout, $"{typeof(T).Name} {name}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last status: {KubernetesJson.Serialize(last is null ? null : status(last))}", e);
        }
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
