using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Routing;
using RagOperator.TestSupport.PodSecurity;
using Xunit;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.IntegrationTests;

/// <summary>
/// A collection driven through the operator over real HTTP: the in-process API server, the workload simulator,
/// one in-process Qdrant server per shard and in-process routers (see <see cref="SandboxHost"/>).
/// </summary>
public sealed class CollectionLifecycleTests
{
    [Fact]
    public async Task A_collection_goes_from_creation_to_ready_and_a_no_op_reconcile_writes_nothing()
    {
        await using var sandbox = await Collections.StartSandboxAsync();

        var ready = await Collections.CreateReadyAsync(sandbox, Collections.Docs());

        // Status
        ready.Status!.Phase.Should().Be("Ready");
        ready.Status.Shards.Should().HaveCount(2).And.OnlyContain(s => s.Ready && s.CollectionCreated && s.ReadyReplicas == 1 && s.Points == 0);
        ready.Status.Routing!.ActiveVersion.Should().Be(1);
        ready.Status.Routing.ConfigMap.Should().Be("docs-routing");
        ready.Status.Router.Should().BeEquivalentTo(new RouterStatus { Replicas = 2, ReadyReplicas = 2, Service = "docs-router" });
        ready.Status.Conditions!.Select(c => (c.Type, c.Status)).Should().Contain([("Ready", "True"), ("Progressing", "False"), ("Degraded", "False")]);
        ready.Metadata.Finalizers.Should().Contain("ragoperator.io/finalizer");

        // The Qdrant collection on every shard
        for (var shard = 0; shard < 2; shard++)
        {
            var server = sandbox.Shard("docs", shard)!;
            server.Collections.Exists("docs").Should().BeTrue();
            server.Collections.Dimension("docs").Should().Be(8);
            server.Collections.Distance("docs").Should().Be("Cosine");
            server.Collections.PayloadIndexes("docs").Should().Contain("_rag_cell", "integer").And.Contain("_rag_v", "integer");
            server.Collections.Hnsw("docs").Should().Be((16UL, 100UL, false));
        }

        // Routing ConfigMaps
        var active = await sandbox.Client.GetAsync<ConfigMap>("docs-routing", sandbox.Namespace);
        var history = await sandbox.Client.GetAsync<ConfigMap>("docs-routing-v1", sandbox.Namespace);
        history.Immutable.Should().BeTrue();
        var table = RoutingTable.Parse(active.Data!["routing.json"]);
        table.Version.Should().Be(1);
        table.Shards.Select(s => s.Endpoint).Should().Equal(
            Enumerable.Range(0, 2).Select(i => sandbox.Shards.Resolve(sandbox.Namespace, "docs", i, tls: true).AbsoluteUri.TrimEnd('/')));
        RoutingTable.Parse(history.Data!["routing.json"]).SameDocumentAs(table).Should().BeTrue();

        // Children: owned by the collection, restricted pods
        var sets = await sandbox.Client.ListAsync<StatefulSet>(sandbox.Namespace, new ListOptions { LabelSelector = "ragoperator.io/collection=docs" });
        sets.Items.Select(s => s.Metadata.Name).Should().BeEquivalentTo(["docs-shard-0", "docs-shard-1"]);
        sets.Items.Should().OnlyContain(s => s.Metadata.OwnerReferences!.Single().Uid == ready.Metadata.Uid);
        var router = await sandbox.Client.GetAsync<Deployment>("docs-router", sandbox.Namespace);
        foreach (var template in sets.Items.Select(s => s.Spec.Template).Append(router.Spec.Template))
        {
            PodSecurityChecker.CheckRestricted(Json(template.Spec), Json(template.Metadata!)).Should().BeEmpty();
        }

        // What the operator did is told in events on the collection.
        var events = await sandbox.Client.ListAsync<Event>(sandbox.Namespace);
        events.Items.Where(e => e.Regarding?.Name == "docs").Select(e => e.Reason).Should().Contain(["CollectionCreated", "RoutingPublished"]);

        // Every router serves version 1
        var acknowledged = await sandbox.WaitForCollectionAsync("docs", c => c.Status?.Routing?.AcknowledgedVersion == 1, "routers to acknowledge v1");
        // Compared as plain numbers: a failure then names the versions (formatting the router handles themselves throws).
        sandbox.RoutersOf("docs").Select(r => r.ServedVersion).Should().Equal([1L, 1L], "both routers acknowledged v1");

        // A no-op reconcile writes nothing: no create, update, patch, apply or delete — not even a no-op one.
        var settled = await SettleAsync(sandbox);
        var reconciler = sandbox.Operator!.Reconciler;
        for (var i = 0; i < 3; i++)
            await reconciler.ReconcileAsync(new ReconcileRequest(sandbox.Namespace, "docs"), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        sandbox.ApiServer.MutatingRequestCount.Should().Be(settled, "a reconcile of an unchanged, healthy collection must not write");
        (await sandbox.GetCollectionAsync("docs")).Metadata.ResourceVersion.Should().Be(acknowledged.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Replicas_resources_and_hnsw_changes_reach_the_statefulsets_and_the_shards()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await Collections.CreateReadyAsync(sandbox, Collections.Docs());

        // Scale replicas: every shard runs 3 pods and its collection keeps 3 copies.
        await sandbox.ApplyAsync(Collections.Docs(configure: s => s.Replicas = 3));
        var scaled = await sandbox.WaitForConditionAsync("docs", "Ready");
        scaled.Status!.Shards.Should().OnlyContain(s => s.Replicas == 3 && s.ReadyReplicas == 3);
        for (var shard = 0; shard < 2; shard++)
        {
            (await sandbox.Client.GetAsync<StatefulSet>($"docs-shard-{shard}", sandbox.Namespace)).Spec.Replicas.Should().Be(3);
            using var qdrant = await Collections.ClientAsync(sandbox, "docs", shard);
            (await qdrant.GetCollectionAsync("docs")).Config.Params.ReplicationFactor.Should().Be(3);
        }

        // Change resources: the pod templates follow.
        var resources = new ResourceRequirements
        {
            Requests = new Dictionary<string, string> { ["cpu"] = "250m", ["memory"] = "512Mi" },
            Limits = new Dictionary<string, string> { ["memory"] = "512Mi" },
        };
        await sandbox.ApplyAsync(Collections.Docs(configure: s =>
        {
            s.Replicas = 3;
            s.Resources = resources;
        }));
        await sandbox.WaitForConditionAsync("docs", "Ready");
        for (var shard = 0; shard < 2; shard++)
        {
            var container = (await sandbox.Client.GetAsync<StatefulSet>($"docs-shard-{shard}", sandbox.Namespace)).Spec.Template.Spec.Containers.Single();
            container.Resources.Should().BeEquivalentTo(resources);
        }

        // Change HNSW and quantization: applied to every shard in place.
        await sandbox.ApplyAsync(Collections.Docs(configure: s =>
        {
            s.Replicas = 3;
            s.Resources = resources;
            s.Hnsw = new HnswSpec { M = 32, EfConstruct = 200 };
            s.Quantization = new QuantizationSpec { Type = QuantizationType.Scalar, Quantile = 0.99 };
        }));
        await sandbox.WaitForConditionAsync("docs", "Ready");
        await SandboxHost.WaitForAsync(_ => Task.FromResult<object?>(
            Enumerable.Range(0, 2).All(i => sandbox.Shard("docs", i)!.Collections.Hnsw("docs") == (32UL, 200UL, false)
                                            && sandbox.Shard("docs", i)!.Collections.Quantization("docs") is not null) ? true : null),
            TimeSpan.FromSeconds(30), "HNSW and quantization on every shard");
        (await sandbox.GetCollectionAsync("docs")).Status!.Conditions!.Single(c => c.Type == "Degraded").Status.Should().Be("False");
    }

    [Fact]
    public async Task A_missing_node_pool_is_reported_with_a_reason_and_nothing_is_half_applied()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await Collections.CreateReadyAsync(sandbox, Collections.Docs());
        var before = await sandbox.Client.GetAsync<StatefulSet>("docs-shard-0", sandbox.Namespace);

        // The pool does not exist: conditions say so; the StatefulSets keep their spec, even the part that could apply.
        await sandbox.ApplyAsync(Collections.Docs(configure: s =>
        {
            s.NodePoolRef = new LocalObjectReference { Name = "fast" };
            s.Replicas = 2;
        }));
        var blocked = await sandbox.WaitForConditionAsync("docs", "Degraded");
        var degraded = blocked.Status!.Conditions!.Single(c => c.Type == "Degraded");
        degraded.Reason.Should().Be("NodePoolNotFound");
        degraded.Message.Should().Contain("VectorNodePool fast").And.Contain("create it");
        blocked.Status.Conditions!.Single(c => c.Type == "Ready").Status.Should().Be("False");
        var during = await sandbox.Client.GetAsync<StatefulSet>("docs-shard-0", sandbox.Namespace);
        during.Metadata.Generation.Should().Be(before.Metadata.Generation);
        during.Spec.Replicas.Should().Be(1);

        // A pool that matches no node: a different reason, still nothing applied.
        await sandbox.ApplyAsync(new VectorNodePool
        {
            Metadata = new ObjectMeta { Name = "fast" },
            Spec = new VectorNodePoolSpec { NodeSelector = new Dictionary<string, string> { ["disktype"] = "nvme" } },
        });
        var noNodes = await sandbox.WaitForCollectionAsync("docs",
            c => c.Status?.Conditions?.Any(x => x.Type == "Degraded" && x.Reason == "NoMatchingNodes") == true, "NoMatchingNodes");
        noNodes.Status!.Conditions!.Single(c => c.Type == "Degraded").Message.Should().Contain("disktype=nvme");

        // Fix the pool: the change applies, with the pool's placement.
        await sandbox.ApplyAsync(new VectorNodePool
        {
            Metadata = new ObjectMeta { Name = "fast" },
            Spec = new VectorNodePoolSpec { NodeSelector = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-a" } },
        });
        await sandbox.WaitForConditionAsync("docs", "Ready");
        var after = await sandbox.Client.GetAsync<StatefulSet>("docs-shard-0", sandbox.Namespace);
        after.Spec.Replicas.Should().Be(2);
        after.Spec.Template.Spec.NodeSelector.Should().Equal(new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-a" });

        var pool = await SandboxHost.WaitForAsync(async token =>
        {
            var current = await sandbox.Client.GetAsync<VectorNodePool>("fast", null, token);
            return current.Status?.MatchingNodes == 1 ? current : null;
        }, TimeSpan.FromSeconds(30), "pool status");
        pool.Status!.Nodes.Should().Equal("node-0");
        pool.Status.Collections.Should().Equal($"{sandbox.Namespace}/docs");
    }

    [Fact]
    public async Task A_missing_secret_blocks_provisioning_until_it_is_created()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await sandbox.ApplyAsync(Collections.Docs());

        var blocked = await sandbox.WaitForCollectionAsync("docs",
            c => c.Status?.Conditions?.Any(x => x.Type == "Degraded" && x.Reason == "SecretNotFound") == true, "SecretNotFound");
        blocked.Status!.Phase.Should().Be("Pending");
        blocked.Status.Conditions!.Single(c => c.Type == "Degraded").Message.Should().Contain("docs-qdrant").And.Contain("kubectl");
        (await sandbox.Client.ListAsync<StatefulSet>(sandbox.Namespace)).Items.Should().BeEmpty("nothing is applied before the spec can be");

        await sandbox.CreateSecretAsync("docs-qdrant", "api-key", Collections.QdrantKey);
        await sandbox.CreateSecretAsync("docs-router", "api-key", Collections.RouterKey);
        await sandbox.WaitForConditionAsync("docs", "Ready");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deleting_removes_the_finalizer_and_the_children_and_honours_the_claim_policy(bool retainOnDelete)
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await Collections.CreateReadyAsync(sandbox, Collections.Docs(configure: s => s.Storage.RetainOnDelete = retainOnDelete));
        var claims = await sandbox.Client.ListAsync<PersistentVolumeClaim>(sandbox.Namespace);
        claims.Items.Should().HaveCount(2, "one claim per Qdrant pod");

        await sandbox.Client.DeleteAsync<VectorCollection>("docs", sandbox.Namespace);

        await SandboxHost.WaitForAsync(async token =>
            await sandbox.Client.TryGetAsync<VectorCollection>("docs", sandbox.Namespace, token) is null ? new object() : null,
            TimeSpan.FromSeconds(30), "the collection to be gone");
        (await sandbox.Client.ListAsync<StatefulSet>(sandbox.Namespace)).Items.Should().BeEmpty();
        (await sandbox.Client.ListAsync<Deployment>(sandbox.Namespace)).Items.Should().BeEmpty();
        (await sandbox.Client.ListAsync<Service>(sandbox.Namespace, new ListOptions { LabelSelector = "app.kubernetes.io/managed-by=rag-operator" })).Items.Should().BeEmpty();
        (await sandbox.Client.ListAsync<ConfigMap>(sandbox.Namespace, new ListOptions { LabelSelector = "app.kubernetes.io/managed-by=rag-operator" })).Items.Should().BeEmpty();
        (await sandbox.Client.ListAsync<PodDisruptionBudget>(sandbox.Namespace)).Items.Should().BeEmpty();
        var remaining = await SandboxHost.WaitForAsync(async token =>
        {
            var left = (await sandbox.Client.ListAsync<PersistentVolumeClaim>(sandbox.Namespace, cancellationToken: token)).Items;
            return retainOnDelete || left.Count == 0 ? left : null;
        }, TimeSpan.FromSeconds(30), "the claims to follow the policy");
        remaining.Select(c => c.Metadata.Name).Should().BeEquivalentTo(retainOnDelete ? claims.Items.Select(c => c.Metadata.Name) : []);
    }

    /// <summary>Waits until nothing has written for a second (the operator's last status update landed) and returns the count.</summary>
    private static async Task<long> SettleAsync(SandboxHost sandbox)
    {
        var last = sandbox.ApiServer.MutatingRequestCount;
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var now = sandbox.ApiServer.MutatingRequestCount;
            if (now == last) return now;
            last = now;
        }

        throw new TimeoutException("the operator kept writing for 20 seconds");
    }

    private static System.Text.Json.Nodes.JsonObject Json(object value) =>
        System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(value))!.AsObject();
}
