using System.Text.Json.Nodes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Tests.Models;

public sealed class ModelSerializationTests
{
    [Fact]
    public void Unknown_fields_survive_a_read_modify_write_of_a_StatefulSet()
    {
        const string json = """
        {"apiVersion":"apps/v1","kind":"StatefulSet",
         "metadata":{"name":"shard-0","namespace":"rag","resourceVersion":"42","selfLink":"/x","futureMeta":{"a":1}},
         "spec":{"replicas":3,"serviceName":"shard-0","selector":{"matchLabels":{"app":"qdrant"}},
           "ordinals":{"start":0},
           "template":{"metadata":{"labels":{"app":"qdrant"}},"spec":{
             "containers":[{"name":"qdrant","image":"qdrant/qdrant:v1.19.0","stdin":true,
                "ports":[{"name":"http","containerPort":6333}],
                "readinessProbe":{"httpGet":{"path":"/readyz","port":"http"}},
                "livenessProbe":{"tcpSocket":{"port":6333}}}],
             "volumes":[{"name":"snap","csi":{"driver":"x"}}],
             "dnsPolicy":"ClusterFirst"}}},
         "status":{"replicas":3,"readyReplicas":2,"availableReplicas":2}}
        """;
        var set = KubernetesJson.Deserialize<StatefulSet>(json);
        set.Spec.Replicas = 4;

        var written = JsonNode.Parse(KubernetesJson.Serialize(set))!;

        written["spec"]!["replicas"]!.GetValue<int>().Should().Be(4);
        written["metadata"]!["futureMeta"]!["a"]!.GetValue<int>().Should().Be(1);
        written["spec"]!["ordinals"]!["start"]!.GetValue<int>().Should().Be(0);
        written["spec"]!["template"]!["spec"]!["dnsPolicy"]!.GetValue<string>().Should().Be("ClusterFirst");
        written["spec"]!["template"]!["spec"]!["containers"]![0]!["stdin"]!.GetValue<bool>().Should().BeTrue();
        written["spec"]!["template"]!["spec"]!["volumes"]![0]!["csi"]!["driver"]!.GetValue<string>().Should().Be("x");
        set.Spec.Template.Spec.Containers[0].ReadinessProbe!.HttpGet!.Port.Text.Should().Be("http");
        set.Spec.Template.Spec.Containers[0].LivenessProbe!.TcpSocket!.Port.Number.Should().Be(6333);
        set.Spec.Template.Spec.Containers[0].Ports![0].Port.Should().Be(6333);
        set.Status!.ReadyReplicas.Should().Be(2);
    }

    [Fact]
    public void A_qdrant_pod_template_serializes_with_the_field_names_the_API_server_expects()
    {
        var spec = new PodSpec
        {
            ServiceAccountName = "qdrant",
            AutomountServiceAccountToken = false,
            SecurityContext = new PodSecurityContext { RunAsNonRoot = true, FsGroup = 1000, SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new Container
                {
                    Name = "qdrant",
                    Image = "qdrant/qdrant:v1.19.0",
                    Env = [new EnvVar { Name = "QDRANT__SERVICE__API_KEY", ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = "qdrant-key", Key = "api-key" } } }],
                    Ports = [new ContainerPort { Name = "http", Port = 6333 }],
                    SecurityContext = new SecurityContext
                    {
                        AllowPrivilegeEscalation = false,
                        ReadOnlyRootFilesystem = true,
                        Capabilities = new Capabilities { Drop = ["ALL"] },
                    },
                    VolumeMounts = [new VolumeMount { Name = "storage", MountPath = "/qdrant/storage" }],
                },
            ],
            Volumes = [new Volume { Name = "config", ConfigMap = new ConfigMapVolumeSource { Name = "qdrant-config" } }],
            Tolerations = [new Toleration { Key = "nvidia.com/gpu", Operator = "Exists", Effect = "NoSchedule" }],
        };

        var json = JsonNode.Parse(KubernetesJson.Serialize(spec))!;

        json["containers"]![0]!["ports"]![0]!["containerPort"]!.GetValue<int>().Should().Be(6333);
        json["containers"]![0]!["env"]![0]!["valueFrom"]!["secretKeyRef"]!["key"]!.GetValue<string>().Should().Be("api-key");
        json["containers"]![0]!["securityContext"]!["capabilities"]!["drop"]![0]!.GetValue<string>().Should().Be("ALL");
        json["securityContext"]!["seccompProfile"]!["type"]!.GetValue<string>().Should().Be("RuntimeDefault");
        json["automountServiceAccountToken"]!.GetValue<bool>().Should().BeFalse();
        json["volumes"]![0]!["configMap"]!["name"]!.GetValue<string>().Should().Be("qdrant-config");
        json.AsObject().ContainsKey("initContainers").Should().BeFalse("unset fields are omitted so server-side apply does not claim them");
    }

    [Fact]
    public void Lease_times_are_written_as_MicroTime_with_exactly_six_fractional_digits()
    {
        var lease = new Lease
        {
            Metadata = new ObjectMeta { Name = "rag-operator" },
            Spec = new LeaseSpec { RenewTime = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1234567) },
        };

        var json = JsonNode.Parse(KubernetesJson.Serialize(lease))!;

        json["spec"]!["renewTime"]!.GetValue<string>().Should().Be("2025-03-04T03:06:07.123456Z");
        KubernetesJson.Deserialize<Lease>(json.ToJsonString()).Spec.RenewTime!.Value.Should()
            .Be(new DateTimeOffset(2025, 3, 4, 3, 6, 7, TimeSpan.Zero).AddTicks(1234560));
        json["spec"]!.AsObject().ContainsKey("acquireTime").Should().BeFalse();
    }

    [Fact]
    public void Secret_data_is_base64_on_the_wire_and_bytes_in_the_model()
    {
        var secret = KubernetesJson.Deserialize<Secret>("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"k"},"data":{"api-key":"czNjcjN0"}}""");

        System.Text.Encoding.UTF8.GetString(secret.Data!["api-key"]).Should().Be("s3cr3t");
        KubernetesJson.Serialize(secret).Should().Contain("\"api-key\":\"czNjcjN0\"");
    }

    [Fact]
    public void IntOrString_round_trips_numbers_and_names()
    {
        var pdb = KubernetesJson.Deserialize<PodDisruptionBudget>("""{"spec":{"minAvailable":"50%","maxUnavailable":1}}""");

        pdb.Spec.MinAvailable!.Value.Text.Should().Be("50%");
        pdb.Spec.MaxUnavailable!.Value.Number.Should().Be(1);
        var json = KubernetesJson.Serialize(pdb);
        json.Should().Contain("\"minAvailable\":\"50%\"").And.Contain("\"maxUnavailable\":1");
    }

    [Fact]
    public void A_Status_with_causes_becomes_an_InvalidException_listing_each_field()
    {
        var status = KubernetesClient.ParseStatus(
            FakeStatus(422, "Invalid", "VectorCollection.ragoperator.io \"c\" is invalid",
                """[{"reason":"FieldValueInvalid","message":"Invalid value: 0","field":"spec.shards"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.dimension"}]"""),
            422, "Unprocessable Entity");

        var exception = KubernetesApiException.From(status);

        exception.Should().BeOfType<InvalidException>();
        exception.Causes.Select(c => c.Field).Should().Equal("spec.shards", "spec.dimension");
        exception.Causes[1].Reason.Should().Be("FieldValueRequired");
        exception.Message.Should().Contain("spec.shards: FieldValueInvalid");
    }

    [Theory]
    [InlineData(404, "NotFound", typeof(NotFoundException))]
    [InlineData(409, "AlreadyExists", typeof(ConflictException))]
    [InlineData(409, "Conflict", typeof(ConflictException))]
    [InlineData(403, "Forbidden", typeof(ForbiddenException))]
    [InlineData(401, "Unauthorized", typeof(UnauthorizedException))]
    [InlineData(410, "Expired", typeof(GoneException))]
    [InlineData(429, "TooManyRequests", typeof(TooManyRequestsException))]
    [InlineData(500, "InternalError", typeof(ServerErrorException))]
    [InlineData(503, "ServiceUnavailable", typeof(ServerErrorException))]
    public void Each_status_code_maps_to_its_exception_type(int code, string reason, Type expected)
    {
        var exception = KubernetesApiException.From(KubernetesClient.ParseStatus(FakeStatus(code, reason, "m"), code, null));

        exception.Should().BeOfType(expected);
        exception.StatusCode.Should().Be(code);
        exception.Reason.Should().Be(reason);
    }

    [Fact]
    public void Conflicts_are_told_apart_by_reason()
    {
        var exists = (ConflictException)KubernetesApiException.From(KubernetesClient.ParseStatus(FakeStatus(409, "AlreadyExists", "exists"), 409, null));
        var stale = (ConflictException)KubernetesApiException.From(KubernetesClient.ParseStatus(FakeStatus(409, "Conflict", "modified"), 409, null));

        exists.IsAlreadyExists.Should().BeTrue();
        stale.IsAlreadyExists.Should().BeFalse();
    }

    [Fact]
    public void A_non_Status_error_body_still_yields_a_typed_exception_with_the_body_as_message()
    {
        var status = KubernetesClient.ParseStatus("<html>bad gateway</html>", 502, "Bad Gateway");

        var exception = KubernetesApiException.From(status);

        exception.Should().BeOfType<ServerErrorException>();
        exception.Status.Message.Should().Be("<html>bad gateway</html>");
        exception.Reason.Should().Be("BadGateway");
    }

    [Fact]
    public void Watch_lines_parse_into_typed_events_and_an_expired_ERROR_throws_Gone()
    {
        var added = WatchEventParser.Parse<ConfigMap>("""{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"5"},"data":{"k":"v"}}}""");
        var bookmark = WatchEventParser.Parse<ConfigMap>("""{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"9"}}}""");

        added.Type.Should().Be(WatchEventType.Added);
        added.Object.Data!["k"].Should().Be("v");
        bookmark.Type.Should().Be(WatchEventType.Bookmark);
        bookmark.Object.Metadata.ResourceVersion.Should().Be("9");

        var act = () => WatchEventParser.Parse<ConfigMap>(
            """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (90)","reason":"Expired","code":410}}""");
        act.Should().Throw<GoneException>().Which.Status.Message.Should().Contain("too old");
    }

    private static string FakeStatus(int code, string reason, string message, string? causes = null) =>
        Support.FakeHttpHandler.StatusJson(code, reason, message.Replace("\"", "\\\"", StringComparison.Ordinal), causes);
}
