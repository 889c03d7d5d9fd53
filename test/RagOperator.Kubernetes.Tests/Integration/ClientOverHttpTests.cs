using System.Text.Json.Nodes;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Tests.Support;

namespace RagOperator.Kubernetes.Tests.Integration;

/// <summary>The client against the in-process API server, over real HTTP.</summary>
public sealed class ClientOverHttpTests : IAsyncLifetime
{
    private readonly TestCluster cluster = new();
    private KubernetesClient Client => cluster.Client;

    public Task InitializeAsync() => cluster.InitializeAsync();
    public Task DisposeAsync() => cluster.DisposeAsync();

    private static ConfigMap Map(string name, string value, IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "rag", Labels = labels },
        Data = new Dictionary<string, string> { ["value"] = value },
    };

    [Fact]
    public async Task Create_get_update_and_delete_follow_resourceVersion_semantics()
    {
        var created = await Client.CreateAsync(Map("routing", "1"));
        created.Metadata.Uid.Should().NotBeNullOrEmpty();

        var again = () => Client.CreateAsync(Map("routing", "1"));
        (await again.Should().ThrowAsync<ConflictException>()).Which.IsAlreadyExists.Should().BeTrue();

        created.Data!["value"] = "2";
        var updated = await Client.UpdateAsync(created);
        updated.Metadata.ResourceVersion.Should().NotBe(created.Metadata.ResourceVersion);

        created.Data["value"] = "3";
        var stale = () => Client.UpdateAsync(created);
        (await stale.Should().ThrowAsync<ConflictException>()).Which.IsAlreadyExists.Should().BeFalse();

        var wrongUid = () => Client.DeleteAsync<ConfigMap>("routing", "rag", new DeleteOptions { PreconditionUid = "not-the-uid" });
        await wrongUid.Should().ThrowAsync<ConflictException>();

        await Client.DeleteAsync<ConfigMap>("routing", "rag", new DeleteOptions { PreconditionUid = created.Metadata.Uid });
        (await Client.TryGetAsync<ConfigMap>("routing", "rag")).Should().BeNull();
        (await Client.DeleteIfExistsAsync<ConfigMap>("routing", "rag")).Should().BeFalse();
    }

    [Fact]
    public async Task Lists_page_with_continue_tokens_and_filter_by_label()
    {
        for (var i = 0; i < 7; i++)
            await Client.CreateAsync(Map($"m{i}", $"{i}", new Dictionary<string, string> { ["shard"] = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) }));

        var firstPage = await Client.ListAsync<ConfigMap>("rag", new ListOptions { Limit = 3 });
        firstPage.Items.Should().HaveCount(3);
        firstPage.Metadata.Continue.Should().NotBeNullOrEmpty();
        firstPage.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();

        var all = new List<string>();
        await foreach (var map in Client.ListAllAsync<ConfigMap>("rag", pageSize: 2)) all.Add(map.Metadata.Name!);
        all.Should().BeEquivalentTo(Enumerable.Range(0, 7).Select(i => $"m{i}"));

        var odd = await Client.ListAsync<ConfigMap>("rag", new ListOptions { LabelSelector = "shard=1" });
        odd.Items.Select(m => m.Metadata.Name).Should().BeEquivalentTo("m1", "m3", "m5");
    }

    [Fact]
    public async Task The_status_subresource_changes_status_only()
    {
        var set = await Client.CreateAsync(new StatefulSet
        {
            Metadata = new ObjectMeta { Name = "shard-0", Namespace = "rag" },
            Spec = new StatefulSetSpec
            {
                Replicas = 3,
                ServiceName = "shard-0",
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "qdrant" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "qdrant" } },
                    Spec = new PodSpec { Containers = [new Container { Name = "qdrant", Image = "qdrant/qdrant:v1.19.0" }] },
                },
            },
        });

        set.Spec.Replicas = 99;
        set.Status = new StatefulSetStatus { Replicas = 3, ReadyReplicas = 2 };
        var written = await Client.UpdateStatusAsync(set);

        written.Status!.ReadyReplicas.Should().Be(2);
        written.Spec.Replicas.Should().Be(3, "spec changes sent to /status are ignored");
        written.Metadata.Generation.Should().Be(set.Metadata.Generation);

        var patched = await Client.PatchStatusAsync<StatefulSet>("shard-0", "rag", KubernetesPatch.Merge(new JsonObject { ["status"] = new JsonObject { ["readyReplicas"] = 3 } }));
        patched.Status!.ReadyReplicas.Should().Be(3);
        patched.Status.Replicas.Should().Be(3);
    }

    [Fact]
    public async Task Server_side_apply_is_idempotent_re_applying_the_same_object_writes_nothing()
    {
        var desired = new StatefulSet
        {
            Metadata = new ObjectMeta { Name = "shard-1", Namespace = "rag", Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "rag-operator" } },
            Spec = new StatefulSetSpec
            {
                Replicas = 2,
                ServiceName = "shard-1",
                PodManagementPolicy = "Parallel",
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["shard"] = "1" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["shard"] = "1" } },
                    Spec = new PodSpec
                    {
                        Containers = [new Container { Name = "qdrant", Image = "qdrant/qdrant:v1.19.0", Ports = [new ContainerPort { Name = "http", Port = 6333 }] }],
                    },
                },
            },
        };
        var options = new ApplyOptions("rag-operator");

        var first = await Client.ApplyAsync(desired, options);
        var writesAfterFirst = cluster.Server.WriteCount;
        var second = await Client.ApplyAsync(desired, options);
        var third = await Client.ApplyAsync(KubernetesJson.Clone(desired), options);

        second.Metadata.ResourceVersion.Should().Be(first.Metadata.ResourceVersion);
        third.Metadata.ResourceVersion.Should().Be(first.Metadata.ResourceVersion);
        cluster.Server.WriteCount.Should().Be(writesAfterFirst, "an unchanged intent is a no-op");
        first.Metadata.ManagedFields.Should().Contain(f => f["manager"]!.GetValue<string>() == "rag-operator");

        desired.Spec.Replicas = 3;
        var changed = await Client.ApplyAsync(desired, options);
        changed.Metadata.ResourceVersion.Should().NotBe(first.Metadata.ResourceVersion);
        changed.Spec.Replicas.Should().Be(3);
    }

    [Fact]
    public async Task Applying_a_field_another_manager_owns_conflicts_unless_forced()
    {
        await Client.ApplyAsync(Map("shared", "from-a"), new ApplyOptions("manager-a"));

        var act = () => Client.ApplyAsync(Map("shared", "from-b"), new ApplyOptions("manager-b"));
        var conflict = (await act.Should().ThrowAsync<ConflictException>()).Which;
        conflict.IsAlreadyExists.Should().BeFalse();
        conflict.Causes.Should().Contain(c => c.Field != null && c.Field.Contains("value", StringComparison.Ordinal));

        var forced = await Client.ApplyAsync(Map("shared", "from-b"), new ApplyOptions("manager-b", Force: true));
        forced.Data!["value"].Should().Be("from-b");
    }

    [Fact]
    public async Task Conflicting_read_modify_writes_all_land_with_RetryOnConflict()
    {
        await Client.CreateAsync(Map("counter", "0"));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var client = cluster.NewClient();
            for (var i = 0; i < 5; i++)
            {
                await KubernetesRetry.RetryOnConflictAsync(async () =>
                {
                    var map = await client.GetAsync<ConfigMap>("counter", "rag");
                    map.Data!["value"] = (int.Parse(map.Data["value"], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await client.UpdateAsync(map);
                }, maxAttempts: 50);
            }
        })).ToList();

        await Task.WhenAll(writers);

        (await Client.GetAsync<ConfigMap>("counter", "rag")).Data!["value"].Should().Be("20", "no increment is lost");
    }

    [Fact]
    public async Task An_injected_conflict_is_retried_by_RetryOnConflict()
    {
        await Client.CreateAsync(Map("flaky", "0"));
        cluster.Server.Faults.FailNext(2, FaultKind.Conflict, verb: "update", resource: "configmaps");
        var attempts = 0;

        await KubernetesRetry.RetryOnConflictAsync(async () =>
        {
            attempts++;
            var map = await Client.GetAsync<ConfigMap>("flaky", "rag");
            map.Data!["value"] = "1";
            await Client.UpdateAsync(map);
        });

        attempts.Should().Be(3);
        (await Client.GetAsync<ConfigMap>("flaky", "rag")).Data!["value"].Should().Be("1");
    }

    [Fact]
    public async Task Transient_server_errors_and_throttling_on_reads_are_retried_transparently()
    {
        await Client.CreateAsync(Map("steady", "x"));
        cluster.Server.Faults.FailNext(1, FaultKind.ServiceUnavailable, verb: "get", resource: "configmaps");
        cluster.Server.Faults.FailNext(1, FaultKind.TooManyRequests, verb: "get", resource: "configmaps");

        var map = await Client.GetAsync<ConfigMap>("steady", "rag");

        map.Data!["value"].Should().Be("x");
        cluster.Server.Faults.InjectedCount.Should().Be(2);
    }

    [Fact]
    public async Task Deleting_an_owner_in_the_foreground_removes_its_dependents()
    {
        var owner = await Client.CreateAsync(Map("owner", "x"));
        await Client.CreateAsync(new Secret
        {
            Metadata = new ObjectMeta
            {
                Name = "dependent",
                Namespace = "rag",
                OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, Controller = true }],
            },
            StringData = new Dictionary<string, string> { ["k"] = "v" },
        });

        await Client.DeleteAsync<ConfigMap>("owner", "rag", new DeleteOptions { PropagationPolicy = PropagationPolicy.Foreground });

        await Eventually.TrueAsync(async () => await Client.TryGetAsync<Secret>("dependent", "rag") is null, "dependent collected");
    }
}
