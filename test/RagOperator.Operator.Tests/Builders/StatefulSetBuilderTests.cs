using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class StatefulSetBuilderTests
{
    public static TheoryData<string, string, int, int, string, string> Names => new()
    {
        // collection, namespace, shard, replicas, statefulset, headless service
        { "docs", "search", 0, 1, "docs-shard-0", "docs-shard-0-headless" },
        { "docs", "search", 3, 3, "docs-shard-3", "docs-shard-3-headless" },
        { "images-v2", "team-a", 11, 2, "images-v2-shard-11", "images-v2-shard-11-headless" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Names_labels_selector_and_owner_follow_the_contract(string name, string ns, int shard, int replicas, string setName, string headless)
    {
        var collection = Fixtures.Collection(name, ns, spec => spec.Replicas = replicas);
        var set = StatefulSetBuilder.Build(Fixtures.Input(collection), shard);

        set.Metadata.Name.Should().Be(setName);
        set.Metadata.Namespace.Should().Be(ns);
        set.Spec.Replicas.Should().Be(replicas);
        set.Spec.ServiceName.Should().Be(headless);
        set.Metadata.Labels.Should().Equal(new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "qdrant",
            ["app.kubernetes.io/instance"] = name,
            ["app.kubernetes.io/component"] = "shard",
            ["app.kubernetes.io/managed-by"] = "rag-operator",
            ["ragoperator.io/collection"] = name,
            ["ragoperator.io/shard"] = shard.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        set.Spec.Template.Metadata!.Labels.Should().Equal(set.Metadata.Labels);
        set.Spec.Selector.MatchLabels.Should().BeSubsetOf(set.Spec.Template.Metadata.Labels!);
        set.Spec.Selector.MatchLabels.Should().ContainKey("ragoperator.io/shard");
        set.Metadata.OwnerReferences.Should().ContainSingle().Which.Should().BeEquivalentTo(new OwnerReference
        {
            ApiVersion = "ragoperator.io/v1alpha1", Kind = "VectorCollection", Name = name, Uid = $"uid-{name}", Controller = true, BlockOwnerDeletion = true,
        });
    }

    [Fact]
    public void Qdrant_runs_in_cluster_mode_with_pod_zero_as_the_bootstrap_peer()
    {
        var container = StatefulSetBuilder.Build(Fixtures.Input(), 1).Spec.Template.Spec.Containers.Single();
        var env = container.Env!.ToDictionary(e => e.Name);

        env["QDRANT__CLUSTER__ENABLED"].Value.Should().Be("true");
        env["QDRANT__CLUSTER__P2P__PORT"].Value.Should().Be("6335");
        env["QDRANT_PEER_DOMAIN"].Value.Should().Be("docs-shard-1-headless.search.svc");
        env["QDRANT_BOOTSTRAP_URI"].Value.Should().Be("https://docs-shard-1-0.docs-shard-1-headless.search.svc:6335");
        env["POD_NAME"].ValueFrom!.FieldRef!.FieldPath.Should().Be("metadata.name");
        container.Command.Should().Equal("/bin/sh", "/qdrant/bootstrap/start.sh");
        container.Ports!.Select(p => (p.Name, p.Port)).Should().Equal(("http", 6333), ("grpc", 6334), ("p2p", 6335));
        container.ReadinessProbe!.HttpGet!.Path.Should().Be("/readyz");
        container.ReadinessProbe.HttpGet.Port.Should().Be((IntOrString)6333);
        container.LivenessProbe!.HttpGet!.Path.Should().Be("/livez");
    }

    [Fact]
    public void The_bootstrap_script_starts_pod_zero_alone_and_joins_the_others_to_it()
    {
        var script = BootstrapConfigMapBuilder.Build(Fixtures.Input()).Data![ChildNames.BootstrapScriptKey];

        script.Should().StartWith("#!/bin/sh\n");
        script.Should().Contain("ordinal=\"${POD_NAME##*-}\"");
        script.Should().Contain("exec ./entrypoint.sh --uri \"$self\"");
        script.Should().Contain("exec ./entrypoint.sh --bootstrap \"$QDRANT_BOOTSTRAP_URI\" --uri \"$self\"");
    }

    public static TheoryData<string, string?, bool, string?, string> Storage => new()
    {
        // size, class, retainOnDelete, expected class, expected whenDeleted
        { "10Gi", null, true, null, "Retain" },
        { "50Gi", "fast-ssd", false, "fast-ssd", "Delete" },
        { "1.5Ti", "", true, null, "Retain" },
    };

    [Theory]
    [MemberData(nameof(Storage))]
    public void The_volume_claim_template_comes_from_storage(string size, string? storageClass, bool retain, string? expectedClass, string whenDeleted)
    {
        var collection = Fixtures.Collection(configure: spec => spec.Storage = new StorageSpec { Size = size, StorageClassName = storageClass, RetainOnDelete = retain });
        var set = StatefulSetBuilder.Build(Fixtures.Input(collection), 0);

        var claim = set.Spec.VolumeClaimTemplates.Should().ContainSingle().Subject;
        claim.Metadata.Name.Should().Be("qdrant-storage");
        claim.Metadata.Labels.Should().ContainKey("ragoperator.io/collection").WhoseValue.Should().Be("docs");
        claim.Spec.AccessModes.Should().Equal("ReadWriteOnce");
        claim.Spec.Resources!.Requests.Should().Equal(new Dictionary<string, string> { ["storage"] = size });
        claim.Spec.StorageClassName.Should().Be(expectedClass);
        set.Spec.PersistentVolumeClaimRetentionPolicy!.WhenDeleted.Should().Be(whenDeleted);
        set.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled.Should().Be("Retain");
        set.Spec.Template.Spec.Containers[0].VolumeMounts.Should().Contain(m => m.Name == "qdrant-storage" && m.MountPath == "/qdrant/storage");
    }

    [Fact]
    public void The_api_key_is_referenced_from_the_secret_and_never_copied()
    {
        var collection = Fixtures.Collection(configure: spec => spec.Qdrant.ApiKeySecretRef = new SecretKeySelector { Name = "docs-qdrant", Key = "api-key" });
        var env = StatefulSetBuilder.Build(Fixtures.Input(collection), 0).Spec.Template.Spec.Containers[0].Env!;

        var apiKey = env.Should().ContainSingle(e => e.Name == "QDRANT__SERVICE__API_KEY").Subject;
        apiKey.Value.Should().BeNull();
        apiKey.ValueFrom!.SecretKeyRef.Should().Be(new SecretKeySelector { Name = "docs-qdrant", Key = "api-key" });

        var withoutKey = StatefulSetBuilder.Build(Fixtures.Input(), 0).Spec.Template.Spec.Containers[0].Env!;
        withoutKey.Should().NotContain(e => e.Name == "QDRANT__SERVICE__API_KEY");
    }

    public static TheoryData<string, VectorNodePool?, string?, string?, bool, string> Gpus => new()
    {
        // case, pool, gpu resource, gpu count, indexing env, image
        { "no pool", null, null, null, false, "qdrant/qdrant:v1.19.0" },
        { "pool without gpu", Fixtures.Pool("cpu", s => s.NodeSelector = new Dictionary<string, string> { ["pool"] = "cpu" }), null, null, false, "qdrant/qdrant:v1.19.0" },
        { "nvidia with indexing", Fixtures.GpuPool("nvidia.com/gpu", 2, indexing: true), "nvidia.com/gpu", "2", true, "qdrant/qdrant:v1.19.0-gpu-nvidia" },
        { "nvidia without indexing", Fixtures.GpuPool("nvidia.com/gpu", 1, indexing: false), "nvidia.com/gpu", "1", false, "qdrant/qdrant:v1.19.0" },
        { "amd with indexing", Fixtures.GpuPool("amd.com/gpu", 1, indexing: true), "amd.com/gpu", "1", true, "qdrant/qdrant:v1.19.0-gpu-amd" },
        { "gpu with zero count", Fixtures.Pool("z", s => s.Gpu = new GpuSpec { ResourceName = "nvidia.com/gpu", Count = 0 }), null, null, false, "qdrant/qdrant:v1.19.0" },
    };

    [Theory]
    [MemberData(nameof(Gpus))]
    public void Gpu_resources_and_indexing_appear_exactly_when_the_pool_asks(
        string description, VectorNodePool? pool, string? resource, string? count, bool indexing, string image)
    {
        var collection = Fixtures.Collection(configure: spec => spec.Resources = new ResourceRequirements
        {
            Requests = new Dictionary<string, string> { ["cpu"] = "500m", ["memory"] = "1Gi" },
            Limits = new Dictionary<string, string> { ["memory"] = "1Gi" },
        });
        var container = StatefulSetBuilder.Build(Fixtures.Input(collection, pool), 0).Spec.Template.Spec.Containers[0];

        container.Image.Should().Be(image, description);
        container.Resources!.Requests.Should().Contain("cpu", "500m").And.Contain("memory", "1Gi");
        if (resource is null)
        {
            container.Resources.Requests!.Keys.Should().BeEquivalentTo(["cpu", "memory"], description);
            container.Resources.Limits!.Keys.Should().BeEquivalentTo(["memory"], description);
        }
        else
        {
            container.Resources.Requests.Should().Contain(resource, count!);
            container.Resources.Limits.Should().Contain(resource, count!);
        }

        container.Env!.Any(e => e.Name == "QDRANT__GPU__INDEXING" && e.Value == "1").Should().Be(indexing, description);
        collection.Spec.Resources!.Requests.Should().HaveCount(2, "the builder must not change the collection's own resources");
    }

    [Fact]
    public void Node_pool_placement_merges_with_the_default_anti_affinity()
    {
        var pool = Fixtures.Pool("gpu", spec =>
        {
            spec.NodeSelector = new Dictionary<string, string> { ["node.kubernetes.io/instance-type"] = "g5.2xlarge" };
            spec.Tolerations = [new Api.V1Alpha1.Toleration { Key = "nvidia.com/gpu", Operator = TolerationOperator.Exists, Effect = TaintEffect.NoSchedule }];
            spec.Affinity = JsonNode.Parse("""
                {"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"gpu","operator":"Exists"}]}]}}}
                """)!.AsObject();
            spec.TopologySpreadConstraints =
            [
                JsonNode.Parse("""{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}""")!.AsObject(),
                JsonNode.Parse("""{"maxSkew":2,"topologyKey":"kubernetes.io/hostname","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"custom":"x"}}}""")!.AsObject(),
            ];
        });
        var spec = StatefulSetBuilder.Build(Fixtures.Input(pool: pool), 2).Spec.Template.Spec;

        spec.NodeSelector.Should().Equal(new Dictionary<string, string> { ["node.kubernetes.io/instance-type"] = "g5.2xlarge" });
        spec.Tolerations.Should().ContainSingle().Which.Should().BeEquivalentTo(new Kubernetes.Models.Toleration { Key = "nvidia.com/gpu", Operator = "Exists", Effect = "NoSchedule" });
        spec.Affinity!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]!.AsArray().Should().HaveCount(1);
        var preferred = spec.Affinity["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]!.AsArray();
        preferred.Select(t => t!["podAffinityTerm"]!["topologyKey"]!.GetValue<string>()).Should().Equal("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        preferred[0]!["podAffinityTerm"]!["labelSelector"]!["matchLabels"]!["ragoperator.io/shard"]!.GetValue<string>().Should().Be("2");
        spec.TopologySpreadConstraints![0]!["labelSelector"]!["matchLabels"]!["ragoperator.io/shard"]!.GetValue<string>().Should().Be("2");
        spec.TopologySpreadConstraints[1]!["labelSelector"]!["matchLabels"]!["custom"]!.GetValue<string>().Should().Be("x");
        pool.Spec.TopologySpreadConstraints![0].ContainsKey("labelSelector").Should().BeFalse("the pool itself must stay untouched");
    }

    [Fact]
    public void Without_a_pool_pods_still_prefer_other_nodes_and_zones_than_their_peers()
    {
        var spec = StatefulSetBuilder.Build(Fixtures.Input(), 0).Spec.Template.Spec;

        spec.NodeSelector.Should().BeNull();
        spec.Tolerations.Should().BeNull();
        spec.TopologySpreadConstraints.Should().BeNull();
        spec.Affinity!["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]!.AsArray().Should().HaveCount(2);
        spec.Affinity.ContainsKey("nodeAffinity").Should().BeFalse();
    }

    [Theory]
    [InlineData(TlsMode.Operator, "https", "HTTPS")]
    [InlineData(TlsMode.Disabled, "http", "HTTP")]
    public void Shards_serve_rest_grpc_and_peer_traffic_with_their_certificate_unless_tls_is_disabled(TlsMode mode, string scheme, string probeScheme)
    {
        var set = StatefulSetBuilder.Build(Fixtures.Input(Fixtures.Collection(configure: spec => spec.Tls.Mode = mode)), 2);
        var pod = set.Spec.Template.Spec;
        var env = pod.Containers[0].Env!.ToDictionary(e => e.Name, e => e.Value);
        var tls = mode == TlsMode.Operator;

        env["QDRANT_PEER_SCHEME"].Should().Be(scheme);
        env["QDRANT_BOOTSTRAP_URI"].Should().StartWith($"{scheme}://docs-shard-2-0.");
        env.GetValueOrDefault("QDRANT__SERVICE__ENABLE_TLS").Should().Be(tls ? "true" : null);
        env.GetValueOrDefault("QDRANT__CLUSTER__P2P__ENABLE_TLS").Should().Be(tls ? "true" : null);
        env.GetValueOrDefault("QDRANT__TLS__CERT").Should().Be(tls ? "/qdrant/tls/tls.crt" : null);
        env.GetValueOrDefault("QDRANT__TLS__KEY").Should().Be(tls ? "/qdrant/tls/tls.key" : null);
        env.GetValueOrDefault("QDRANT__TLS__CA_CERT").Should().Be(tls ? "/qdrant/tls/ca.crt" : null);
        pod.Volumes!.SingleOrDefault(v => v.Secret is not null)?.Secret!.SecretName.Should().Be("docs-shard-2-tls");
        pod.Volumes!.Count(v => v.Secret is not null).Should().Be(tls ? 1 : 0);
        pod.Containers[0].ReadinessProbe!.HttpGet!.Scheme.Should().Be(probeScheme);
        pod.Containers[0].LivenessProbe!.HttpGet!.Scheme.Should().Be(probeScheme);
    }

    [Fact]
    public void Writable_paths_are_volumes_so_the_root_filesystem_can_be_read_only()
    {
        var set = StatefulSetBuilder.Build(Fixtures.Input(), 0);
        var container = set.Spec.Template.Spec.Containers[0];

        container.SecurityContext!.ReadOnlyRootFilesystem.Should().BeTrue();
        container.VolumeMounts!.Select(m => m.MountPath).Should().BeEquivalentTo(["/qdrant/storage", "/qdrant/snapshots", "/tmp", "/qdrant/init", "/qdrant/bootstrap", "/qdrant/tls"]);
        container.VolumeMounts!.Where(m => m.MountPath is "/qdrant/bootstrap" or "/qdrant/tls").Should().OnlyContain(m => m.ReadOnly == true);
        container.Env!.Single(e => e.Name == "QDRANT_INIT_FILE_PATH").Value.Should().StartWith("/qdrant/init/");
        set.Spec.Template.Spec.Volumes!.Where(v => v.EmptyDir is not null).Select(v => v.Name).Should().BeEquivalentTo(["qdrant-snapshots", "tmp", "qdrant-init"]);
        set.Spec.Template.Spec.AutomountServiceAccountToken.Should().BeFalse();
        set.Spec.PodManagementPolicy.Should().Be("Parallel");
    }

    [Fact]
    public void Pods_are_replaced_only_by_the_operator_so_upgrades_wait_for_active_replicas()
    {
        var set = StatefulSetBuilder.Build(Fixtures.Input(), 0);

        set.Spec.UpdateStrategy!.Type.Should().Be("OnDelete");
        set.Spec.PersistentVolumeClaimRetentionPolicy!.WhenScaled.Should().Be("Retain");
    }
}
