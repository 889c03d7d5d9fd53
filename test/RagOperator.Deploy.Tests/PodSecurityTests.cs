using RagOperator.Deploy.Tests.Infrastructure;
using RagOperator.TestSupport.Manifests;
using RagOperator.TestSupport.PodSecurity;

namespace RagOperator.Deploy.Tests;

public sealed class PodSecurityTests
{
    [Theory]
    [MemberData(nameof(Rendered.Sources), MemberType = typeof(Rendered))]
    public void Every_rendered_pod_spec_passes_the_restricted_profile(string source)
    {
        var pods = PodSpecs.FromManifests(Rendered.Get(source).Objects);

        pods.Should().NotBeEmpty();
        foreach (var pod in pods)
        {
            var violations = PodSecurityChecker.CheckRestricted(pod.Spec, pod.Metadata, pod.SpecPath);
            violations.Should().BeEmpty($"{pod} must pass the restricted profile, but: {string.Join("; ", violations)}");
        }
    }

    [Fact]
    public void The_operator_namespace_enforces_the_restricted_profile()
    {
        var ns = Rendered.Get(Rendered.Kustomize).Single("Namespace", "rag-operator-system");

        ns["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"]!.GetValue<string>().Should().Be("restricted");
    }
}
