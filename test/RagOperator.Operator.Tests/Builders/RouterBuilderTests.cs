using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class RouterBuilderTests
{
    public static TheoryData<string?, string, int> Images => new()
    {
        { null, OperatorSettings.DefaultRouterImage, 2 },
        { "registry.local/router:dev", "registry.local/router:dev", 5 },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void The_deployment_runs_the_named_or_default_image_with_the_asked_replicas(string? image, string expected, int replicas)
    {
        var collection = Fixtures.Collection(configure: s =>
        {
            s.Router.Image = image;
            s.Router.Replicas = replicas;
        });
        var deployment = RouterDeploymentBuilder.Build(Fixtures.Input(collection));

        deployment.Metadata.Name.Should().Be("docs-router");
        deployment.Spec.Replicas.Should().Be(replicas);
        deployment.Spec.Template.Spec.Containers.Single().Image.Should().Be(expected);
        deployment.Spec.Template.Spec.ServiceAccountName.Should().Be("docs-router");
        deployment.Spec.Template.Metadata!.Labels!["app.kubernetes.io/name"].Should().Be("rag-router");
        deployment.Spec.Selector.MatchLabels.Should().BeSubsetOf(deployment.Spec.Template.Metadata.Labels);
    }

    [Fact]
    public void The_router_environment_names_its_collection_table_and_keys_by_reference()
    {
        var collection = Fixtures.Collection(configure: s =>
        {
            s.Qdrant.ApiKeySecretRef = new SecretKeySelector { Name = "docs-qdrant", Key = "api-key" };
            s.Router.ApiKeySecretRef = new SecretKeySelector { Name = "docs-router", Key = "token" };
        });
        var container = RouterDeploymentBuilder.Build(Fixtures.Input(collection)).Spec.Template.Spec.Containers.Single();
        var env = container.Env!.ToDictionary(e => e.Name);

        env["COLLECTION"].Value.Should().Be("docs");
        env["POD_NAMESPACE"].ValueFrom!.FieldRef!.FieldPath.Should().Be("metadata.namespace");
        env["ROUTING_CONFIGMAP"].Value.Should().Be("docs-routing");
        env["POD_NAME"].ValueFrom!.FieldRef!.FieldPath.Should().Be("metadata.name");
        env["POD_IP"].ValueFrom!.FieldRef!.FieldPath.Should().Be("status.podIP");
        env["QDRANT_API_KEY"].ValueFrom!.SecretKeyRef.Should().Be(new SecretKeySelector { Name = "docs-qdrant", Key = "api-key" });
        env["ROUTER_API_KEY"].ValueFrom!.SecretKeyRef.Should().Be(new SecretKeySelector { Name = "docs-router", Key = "token" });
        env.Values.Where(e => e.Name.EndsWith("API_KEY", StringComparison.Ordinal)).Should().OnlyContain(e => e.Value == null);
        env["PORT"].Value.Should().Be("8080");
        env["GRPC_PORT"].Value.Should().Be("6334");
        container.Ports!.Select(p => $"{p.Name} {p.Protocol}/{p.Port}").Should().Equal("http TCP/8080", "grpc TCP/6334");
        container.ReadinessProbe!.HttpGet!.Path.Should().Be("/readyz");
        container.LivenessProbe!.HttpGet!.Path.Should().Be("/healthz");
        container.ReadinessProbe.HttpGet.Port.Should().Be((IntOrString)8080, "probes stay on the HTTP port");
        container.LivenessProbe.HttpGet.Port.Should().Be((IntOrString)8080);
    }

    /// <summary>The Service's ports as "name port->target appProtocol", by TLS mode.</summary>
    public static TheoryData<TlsMode, string[]> ServicePorts => new()
    {
        { TlsMode.Operator, ["http 8080->http -", "grpc 6334->grpc https"] },
        { TlsMode.CertManager, ["http 8080->http -", "grpc 6334->grpc https"] },
        { TlsMode.Disabled, ["http 8080->http -", "grpc 6334->grpc kubernetes.io/h2c"] },
    };

    [Theory]
    [MemberData(nameof(ServicePorts))]
    public void The_service_targets_the_router_pods_on_the_http_and_grpc_ports(TlsMode mode, string[] expected)
    {
        var input = Fixtures.Input(Fixtures.Collection(configure: s =>
        {
            s.Tls.Mode = mode;
            if (mode == TlsMode.CertManager) s.Tls.IssuerRef = new CertificateIssuerReference { Name = "corp-ca" };
        }));
        var service = RouterServiceBuilder.Build(input);

        service.Metadata.Name.Should().Be("docs-router");
        service.Spec.Ports!.Select(p => $"{p.Name} {p.Port}->{p.TargetPort} {p.AppProtocol ?? "-"}").Should().Equal(expected);
        service.Spec.Ports!.Should().OnlyContain(p => p.Protocol == "TCP");
        var containerPorts = RouterDeploymentBuilder.Build(input).Spec.Template.Spec.Containers.Single().Ports!.Select(p => p.Name);
        service.Spec.Ports!.Select(p => p.TargetPort!.ToString()).Should().Equal(containerPorts, "each Service port targets a named container port");
        service.Spec.Selector.Should().Equal(RouterDeploymentBuilder.Build(input).Spec.Selector.MatchLabels);
    }

    [Fact]
    public void The_role_may_only_read_the_collections_routing_configmap()
    {
        var input = Fixtures.Input(Fixtures.Collection("images", "team-a"));
        var role = RouterRbacBuilder.Role(input);
        var binding = RouterRbacBuilder.RoleBinding(input);
        var account = RouterRbacBuilder.ServiceAccount(input);

        var rule = role.Rules.Should().ContainSingle().Subject;
        rule.ApiGroups.Should().Equal("");
        rule.Resources.Should().Equal("configmaps");
        rule.ResourceNames.Should().Equal("images-routing");
        rule.Verbs.Should().BeEquivalentTo(["get", "list", "watch"]);
        binding.RoleRef.Should().BeEquivalentTo(new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "images-router" });
        binding.Subjects.Should().ContainSingle().Which.Should().BeEquivalentTo(new Subject { Kind = "ServiceAccount", Name = "images-router", Namespace = "team-a" });
        account.Metadata.Name.Should().Be("images-router");
        account.AutomountServiceAccountToken.Should().BeFalse();
        RouterDeploymentBuilder.Build(input).Spec.Template.Spec.AutomountServiceAccountToken.Should().BeTrue();
    }
}
