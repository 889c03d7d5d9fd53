using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Cli;
using RagOperator.Operator.Rendering;
using RagOperator.Routing;
using RagOperator.TestSupport.Manifests;
using RagOperator.TestSupport.PodSecurity;
using Xunit;

namespace RagOperator.Operator.Tests.Rendering;

public sealed class RenderTests : IDisposable
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("render-tests-");

    public void Dispose() => scratch.Delete(recursive: true);

    private static FileInfo[] Samples() => new DirectoryInfo(Path.Combine(AppContext.BaseDirectory, "samples")).GetFiles("*.yaml").OrderBy(f => f.Name).ToArray();

    private static (List<JsonObject> Objects, string Notices) RenderSamples()
    {
        var notices = new StringWriter();
        var yaml = RenderCommand.Render(Samples(), "default", new OperatorSettings(), notices);
        return (TestSupport.Manifests.YamlDocuments.Load(yaml).ToList(), notices.ToString());
    }

    [Fact]
    public void Samples_render_one_statefulset_per_shard()
    {
        var manifests = ManifestReader.Read(Samples().Select(f => (f.Name, File.ReadAllText(f.FullName))), "default");
        var (objects, notices) = RenderSamples();

        manifests.Collections.Should().HaveCountGreaterThanOrEqualTo(2);
        foreach (var collection in manifests.Collections)
        {
            objects.Where(o => Kind(o) == "StatefulSet" && Label(o, "ragoperator.io/collection") == collection.Metadata.Name)
                .Should().HaveCount(collection.Spec.Shards, collection.Metadata.Name);
        }

        objects.Count(o => Kind(o) == "StatefulSet").Should().Be(manifests.Collections.Sum(c => c.Spec.Shards));
        notices.Should().Contain("kustomization.yaml");
    }

    [Fact]
    public void Every_rendered_pod_passes_the_restricted_profile()
    {
        var (objects, _) = RenderSamples();
        var pods = PodSpecs.FromManifests(objects);

        pods.Should().Contain(p => p.Kind == "StatefulSet").And.Contain(p => p.Kind == "Deployment");
        foreach (var pod in pods)
            PodSecurityChecker.CheckRestricted(pod.Spec, pod.Metadata, pod.SpecPath).Should().BeEmpty(pod.ToString());
    }

    [Fact]
    public void Every_sample_renders_shards_and_routers_that_serve_their_certificates_behind_network_policies()
    {
        var manifests = ManifestReader.Read(Samples().Select(f => (f.Name, File.ReadAllText(f.FullName))), "default");
        var (objects, _) = RenderSamples();

        foreach (var collection in manifests.Collections)
        {
            var name = collection.Metadata.Name!;
            var mine = objects.Where(o => Label(o, "ragoperator.io/collection") == name || o["metadata"]?["name"]?.GetValue<string>()?.StartsWith(name + "-", StringComparison.Ordinal) == true).ToList();
            foreach (var set in mine.Where(o => Kind(o) == "StatefulSet"))
            {
                var pod = set["spec"]!["template"]!["spec"]!;
                var secret = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "tls")!["secret"]!["secretName"]!.GetValue<string>();
                secret.Should().EndWith("-tls", $"{name}: each shard serves its own certificate Secret");
                var env = pod["containers"]![0]!["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());
                env.Should().Contain("QDRANT__SERVICE__ENABLE_TLS", "true").And.Contain("QDRANT__CLUSTER__P2P__ENABLE_TLS", "true");
                env.Should().ContainKeys("QDRANT__TLS__CERT", "QDRANT__TLS__KEY", "QDRANT__TLS__CA_CERT");
            }

            var router = mine.Single(o => Kind(o) == "Deployment");
            router["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Should().Contain(v => v!["name"]!.GetValue<string>() == "tls", name);
            mine.Count(o => Kind(o) == "NetworkPolicy").Should().Be(2, $"{name}: one policy for the shards, one for the routers");
            if (collection.Spec.Tls.Mode == Api.V1Alpha1.TlsMode.CertManager)
                mine.Where(o => Kind(o) == "Certificate").Should().HaveCount(collection.Spec.Shards + 1, $"{name}: a cert-manager Certificate per shard and one for the routers");
        }
    }

    [Fact]
    public void Gpu_requests_appear_exactly_when_the_node_pool_asks_for_them()
    {
        var manifests = ManifestReader.Read(Samples().Select(f => (f.Name, File.ReadAllText(f.FullName))), "default");
        var gpuPools = manifests.NodePools.Where(p => p.Spec.Gpu?.ResourceName is not null).ToDictionary(p => p.Metadata.Name!);
        var (objects, _) = RenderSamples();

        gpuPools.Should().NotBeEmpty();
        foreach (var set in objects.Where(o => Kind(o) == "StatefulSet"))
        {
            var collection = manifests.Collections.Single(c => c.Metadata.Name == Label(set, "ragoperator.io/collection"));
            var container = set["spec"]!["template"]!["spec"]!["containers"]![0]!;
            var requests = container["resources"]?["requests"] as JsonObject;
            if (collection.Spec.NodePoolRef is { } pool && gpuPools.TryGetValue(pool.Name, out var gpuPool))
            {
                var resource = gpuPool.Spec.Gpu!.ResourceName!;
                requests![resource]!.GetValue<string>().Should().Be(gpuPool.Spec.Gpu.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                container["resources"]!["limits"]![resource]!.GetValue<string>().Should().Be(requests[resource]!.GetValue<string>());
                container["env"]!.AsArray().Should().Contain(e => e!["name"]!.GetValue<string>() == "QDRANT__GPU__INDEXING");
            }
            else
            {
                (requests?.Select(r => r.Key) ?? []).Should().NotContain(k => k.Contains("gpu", StringComparison.Ordinal), set["metadata"]!["name"]!.ToString());
                container["env"]!.AsArray().Should().NotContain(e => e!["name"]!.GetValue<string>() == "QDRANT__GPU__INDEXING");
            }
        }
    }

    [Fact]
    public void The_initial_routing_table_is_rendered_and_valid()
    {
        var (objects, _) = RenderSamples();
        var routing = objects.Where(o => Kind(o) == "ConfigMap" && o["metadata"]!["name"]!.GetValue<string>() == "docs-routing").Should().ContainSingle().Subject;
        var table = RoutingTable.Parse(routing["data"]!["routing.json"]!.GetValue<string>());

        table.Version.Should().Be(1);
        table.Shards.Should().HaveCount(2);
        table.Shards[0].Endpoint.Should().Be("https://docs-shard-0.default.svc:6333", "shards serve TLS unless spec.tls.mode is Disabled");
        objects.Should().Contain(o => Kind(o) == "ConfigMap" && o["metadata"]!["name"]!.GetValue<string>() == "docs-routing-v1" && o["immutable"]!.GetValue<bool>());
        objects.Should().OnlyContain(o => o["metadata"]!["ownerReferences"]![0]!["uid"] == null, "render has no owner uid to show");
    }

    public static TheoryData<string, string, string> BadInputs => new()
    {
        // case, file content, text the error must contain
        { "unknown kind", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n", "bad.yaml:1: kind: unknown kind v1/Secret" },
        { "yaml error", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata: [\n", "bad.yaml:4:1: invalid YAML" },
        { "bad indentation", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\n  name: docs\n", "bad.yaml:3:" },
        { "invalid value", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: docs\nspec:\n  dimension: 8\n  shards: 0\n", "spec.shards: Invalid value: 0" },
        { "unknown field", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: docs\nspec:\n  dimension: 8\n  shard: 2\n", "spec.shard: unknown field" },
        { "nested unknown field", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: docs\nspec:\n  dimension: 8\n  hnsw:\n    ef: 5\n", "spec.hnsw.ef: unknown field" },
        { "bad enum", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: docs\nspec:\n  dimension: 8\n  distance: Hamming\n", "spec.distance" },
        { "cel rule", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: docs\nspec:\n  dimension: 8\n  shards: 4\n  sharding:\n    slots: 2\n", "spec.sharding.slots must be greater than or equal to spec.shards" },
        { "second document", "apiVersion: ragoperator.io/v1alpha1\nkind: VectorNodePool\nmetadata:\n  name: p\n---\napiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: docs\nspec:\n  dimension: 0\n", "bad.yaml:6 (VectorCollection docs): spec.dimension" },
        { "no kind", "apiVersion: ragoperator.io/v1alpha1\nmetadata:\n  name: docs\n", "kind: Required value" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_an_error_naming_file_and_field(string description, string content, string expected)
    {
        var file = new FileInfo(Path.Combine(scratch.FullName, "bad.yaml"));
        File.WriteAllText(file.FullName, content);

        var render = () => RenderCommand.Render([file], "default", new OperatorSettings(), TextWriter.Null);

        render.Should().Throw<ManifestException>(description).Which.Message.Should().Contain(expected).And.Contain("bad.yaml");
    }

    [Fact]
    public void The_command_exits_1_on_bad_input_and_0_on_the_samples()
    {
        var bad = Path.Combine(scratch.FullName, "bad.yaml");
        File.WriteAllText(bad, "kind: Nonsense\napiVersion: x/v1\n");
        var error = Console.Error;
        var output = Console.Out;
        try
        {
            Console.SetError(TextWriter.Null);
            Console.SetOut(TextWriter.Null);
            var command = RenderCommand.Create();
            command.Parse(["--file", bad]).Invoke().Should().Be(1);
            command.Parse(Samples().SelectMany(f => new[] { "--file", f.FullName }).ToArray()).Invoke().Should().Be(0);
        }
        finally
        {
            Console.SetError(error);
            Console.SetOut(output);
        }
    }

    [Fact]
    public void A_collection_whose_pool_is_not_in_the_files_renders_without_placement_and_says_so()
    {
        var file = new FileInfo(Path.Combine(scratch.FullName, "gpu.yaml"));
        File.WriteAllText(file.FullName, "apiVersion: ragoperator.io/v1alpha1\nkind: VectorCollection\nmetadata:\n  name: images\nspec:\n  dimension: 8\n  nodePoolRef:\n    name: gpu-a10\n");
        var notices = new StringWriter();

        var objects = TestSupport.Manifests.YamlDocuments.Load(RenderCommand.Render([file], "team-a", new OperatorSettings(), notices));

        notices.ToString().Should().Contain("node pool gpu-a10 is not in the given files");
        var set = objects.Single(o => Kind(o) == "StatefulSet");
        set["metadata"]!["namespace"]!.GetValue<string>().Should().Be("team-a");
        set["spec"]!["template"]!["spec"]!["nodeSelector"].Should().BeNull();
    }

    [Fact]
    public void Written_yaml_reads_back_as_the_same_documents()
    {
        var document = JsonNode.Parse("""
            {"a":"1","b":"true","c":"","d":"multi\nline\n","e":1.5,"f":false,"g":null,"h":[],"i":{},"j":"x: y","k":"0x1F","l":"~","m":"-"}
            """)!;
        var yaml = YamlWriter.Write([document]);

        var read = RagOperator.Operator.Rendering.YamlDocuments.Parse(yaml).Single().Node;
        JsonNode.DeepEquals(read, document).Should().BeTrue(yaml);
    }

    private static string? Kind(JsonObject o) => o["kind"]?.GetValue<string>();

    private static string? Label(JsonObject o, string key) => o["metadata"]?["labels"]?[key]?.GetValue<string>();
}
