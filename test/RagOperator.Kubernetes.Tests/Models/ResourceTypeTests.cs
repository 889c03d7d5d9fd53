using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Resources;

namespace RagOperator.Kubernetes.Tests.Models;

public sealed class ResourceTypeTests
{
    [Fact]
    public void Core_group_kinds_live_under_api_v1()
    {
        Resource.For<ConfigMap>().ItemPath("rag", "c-routing").Should().Be("/api/v1/namespaces/rag/configmaps/c-routing");
        Resource.For<Pod>().CollectionPath(null).Should().Be("/api/v1/pods");
        Resource.For<Node>().ItemPath(null, "n1").Should().Be("/api/v1/nodes/n1");
    }

    [Fact]
    public void Named_group_kinds_live_under_apis_group_version()
    {
        Resource.For<StatefulSet>().CollectionPath("rag").Should().Be("/apis/apps/v1/namespaces/rag/statefulsets");
        Resource.For<Lease>().ItemPath("kube-system", "l").Should().Be("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l");
        Resource.For<PodDisruptionBudget>().ApiVersion.Should().Be("policy/v1");
        Resource.For<EndpointSlice>().ApiVersion.Should().Be("discovery.k8s.io/v1");
        Resource.For<Event>().ApiVersion.Should().Be("events.k8s.io/v1");
    }

    [Fact]
    public void A_cluster_scoped_kind_ignores_a_namespace_and_a_namespaced_one_requires_it()
    {
        Resource.For<Node>().ItemPath("ignored", "n1").Should().Be("/api/v1/nodes/n1");
        var act = () => Resource.For<Pod>().ItemPath(null, "p");
        act.Should().Throw<ArgumentException>().WithMessage("*Pod is namespaced*");
    }

    [Fact]
    public void Names_are_escaped_in_paths()
    {
        Resource.For<ConfigMap>().ItemPath("a", "x y").Should().Be("/api/v1/namespaces/a/configmaps/x%20y");
    }

    [Fact]
    public void Custom_resources_are_registered_at_startup_and_then_resolve()
    {
        var act = () => ResourceTypes.For<Widget>();
        act.Should().Throw<InvalidOperationException>().WithMessage("*ResourceTypes.Register<Widget>*");

        ResourceTypes.Register<Widget>("example.io", "v1", "widgets", "Widget", namespaced: false);

        Resource.For<Widget>().ItemPath(null, "w").Should().Be("/apis/example.io/v1/widgets/w");
        var conflicting = () => ResourceTypes.Register<Widget>("example.io", "v2", "widgets", "Widget");
        conflicting.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Owner_references_match_by_group_and_kind_whatever_the_version()
    {
        var statefulSets = Resource.For<StatefulSet>();

        statefulSets.Matches("apps/v1", "StatefulSet").Should().BeTrue();
        statefulSets.Matches("apps/v1beta2", "StatefulSet").Should().BeTrue();
        statefulSets.Matches("v1", "StatefulSet").Should().BeFalse();
        statefulSets.Matches("apps/v1", "Deployment").Should().BeFalse();
    }

    private sealed class Widget : IKubernetesObject
    {
        public string ApiVersion { get; set; } = "example.io/v1";
        public string Kind { get; set; } = "Widget";
        public ObjectMeta Metadata { get; set; } = new();
    }
}
