using System.Globalization;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-router</c>: the retrieval routers. They load the routing table through a watch on
/// <c>&lt;collection&gt;-routing</c> (so the service account token is mounted, unlike the shard pods), authenticate to
/// Qdrant with the collection's API key and to clients with the router's own key, both by <c>secretKeyRef</c>.
/// Rolling updates surge one pod and keep every old pod until the new one is ready.
/// </summary>
public static class RouterDeploymentBuilder
{
    public const string ContainerName = "router";

    /// <summary>Environment variable names the router reads (see the router's options loader).</summary>
    public static class Env
    {
        public const string Collection = "COLLECTION";
        public const string Namespace = "POD_NAMESPACE";
        public const string RoutingConfigMap = "ROUTING_CONFIGMAP";
        public const string QdrantApiKey = "QDRANT_API_KEY";
        public const string RouterApiKey = "ROUTER_API_KEY";
        public const string PodName = "POD_NAME";
        public const string PodIp = "POD_IP";
        public const string SearchTimeoutMs = "SEARCH_TIMEOUT_MS";
        public const string WriteClockUncertaintyMs = "WRITE_CLOCK_UNCERTAINTY_MS";
        public const string Port = "PORT";

        /// <summary>The port of Qdrant's gRPC API, named here so the container port and the process agree.</summary>
        public const string GrpcPort = "GRPC_PORT";

        /// <summary>The router's own certificate and key (PEM); set, the router serves HTTPS.</summary>
        public const string TlsCertificateFile = "TLS_CERT_FILE";
        public const string TlsKeyFile = "TLS_KEY_FILE";

        /// <summary>The CAs (PEM) the router verifies shards against; set, shard calls accept no other server.</summary>
        public const string ShardTrustFile = "SHARD_CA_FILE";
    }

    /// <summary>The container ports' names, which the router Service targets.</summary>
    public static class PortNames
    {
        /// <summary>The <c>/v1</c> API, Qdrant's REST API, probes and metrics.</summary>
        public const string Http = "http";

        /// <summary>Qdrant's gRPC API.</summary>
        public const string Grpc = "grpc";
    }

    public const string TlsVolume = "tls";
    public const string TlsPath = "/etc/rag-router/tls";

    public static Deployment Build(BuildInput input)
    {
        var labels = Labels.ForRouter(input.Name);
        var router = input.Spec.Router;
        return new Deployment
        {
            Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), labels),
            Spec = new DeploymentSpec
            {
                // Under autoscaling the HorizontalPodAutoscaler owns the count; claiming it here would undo each of its scales.
                Replicas = router.Autoscaling is null ? router.Replicas : null,
                Selector = new LabelSelector { MatchLabels = Labels.RouterSelector(input.Name) },
                Strategy = new DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new RollingUpdateDeployment { MaxSurge = 1, MaxUnavailable = 0 },
                },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = labels },
                    Spec = new PodSpec
                    {
                        ServiceAccountName = ChildNames.Router(input.Name),
                        AutomountServiceAccountToken = true,
                        EnableServiceLinks = false,
                        SecurityContext = SecurityDefaults.Pod(SecurityDefaults.RouterUserId),
                        TerminationGracePeriodSeconds = 30,
                        Affinity = Placement.Affinity(null, Labels.RouterSelector(input.Name)),
                        Containers = [Container(input)],
                        Volumes =
                        [
                            new Volume { Name = "tmp", EmptyDir = new EmptyDirVolumeSource() },
                            .. StatefulSetBuilder.Tls(input)
                                ? [new Volume { Name = TlsVolume, Secret = new SecretVolumeSource { SecretName = CertificateSecrets.Router(input.Name, input.Spec.Tls), DefaultMode = 0b100_100_000 } }]
                                : Array.Empty<Volume>(),
                        ],
                    },
                },
            },
        };
    }

    private static Container Container(BuildInput input)
    {
        var router = input.Spec.Router;
        var env = new List<EnvVar>
        {
            new() { Name = Env.Collection, Value = input.Name },
            new() { Name = Env.Namespace, ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
            new() { Name = Env.RoutingConfigMap, Value = ChildNames.RoutingConfigMap(input.Name) },
            new() { Name = Env.PodName, ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new() { Name = Env.PodIp, ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "status.podIP" } } },
            new() { Name = Env.SearchTimeoutMs, Value = router.SearchTimeoutMs.ToString(CultureInfo.InvariantCulture) },
            new() { Name = Env.WriteClockUncertaintyMs, Value = router.WriteClockUncertaintyMs.ToString(CultureInfo.InvariantCulture) },
            new() { Name = Env.Port, Value = Ports.Router.ToString(CultureInfo.InvariantCulture) },
            new() { Name = Env.GrpcPort, Value = Ports.RouterGrpc.ToString(CultureInfo.InvariantCulture) },
        };
        if (input.Spec.Qdrant.ApiKeySecretRef is { } qdrantKey)
            env.Add(new EnvVar { Name = Env.QdrantApiKey, ValueFrom = StatefulSetBuilder.SecretRef(qdrantKey) });
        if (router.ApiKeySecretRef is { } routerKey)
            env.Add(new EnvVar { Name = Env.RouterApiKey, ValueFrom = StatefulSetBuilder.SecretRef(routerKey) });
        var tls = StatefulSetBuilder.Tls(input);
        if (tls)
        {
            env.AddRange(
            [
                new EnvVar { Name = Env.TlsCertificateFile, Value = $"{TlsPath}/{TlsSecretBuilder.CertificateKey}" },
                new EnvVar { Name = Env.TlsKeyFile, Value = $"{TlsPath}/{TlsSecretBuilder.PrivateKeyKey}" },
                new EnvVar { Name = Env.ShardTrustFile, Value = $"{TlsPath}/{TlsSecretBuilder.TrustBundleKey}" },
            ]);
        }

        return new Container
        {
            Name = ContainerName,
            Image = string.IsNullOrEmpty(router.Image) ? input.Settings.RouterImage : router.Image,
            ImagePullPolicy = "IfNotPresent",
            Env = env,
            Ports =
            [
                new ContainerPort { Name = PortNames.Http, Port = Ports.Router, Protocol = "TCP" },
                new ContainerPort { Name = PortNames.Grpc, Port = Ports.RouterGrpc, Protocol = "TCP" },
            ],
            Resources = router.Resources,
            // Ready only once a routing table is loaded, so the Service never sends traffic to an empty router. The
            // probes stay on the HTTP port: both ports belong to one process and one routing table.
            ReadinessProbe = new Probe { HttpGet = new HttpGetAction { Path = "/readyz", Port = Ports.Router, Scheme = tls ? "HTTPS" : "HTTP" }, PeriodSeconds = 5 },
            LivenessProbe = new Probe { HttpGet = new HttpGetAction { Path = "/healthz", Port = Ports.Router, Scheme = tls ? "HTTPS" : "HTTP" }, PeriodSeconds = 10, FailureThreshold = 3 },
            SecurityContext = SecurityDefaults.Container(SecurityDefaults.RouterUserId),
            VolumeMounts =
            [
                new VolumeMount { Name = "tmp", MountPath = "/tmp" },
                .. tls ? [new VolumeMount { Name = TlsVolume, MountPath = TlsPath, ReadOnly = true }] : Array.Empty<VolumeMount>(),
            ],
        };
    }
}
