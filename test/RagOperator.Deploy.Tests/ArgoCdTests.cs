using RagOperator.Deploy.Tests.Infrastructure;
using RagOperator.TestSupport.Manifests;

namespace RagOperator.Deploy.Tests;

/// <summary>
/// No Lua interpreter runs in CI, so the health check is kept simple and its text is checked branch by branch:
/// each status it can return, each condition it reads, and the order that makes a stale status never count.
/// </summary>
public sealed class ArgoCdTests
{
    private static readonly Lazy<string> Script = new(() => Repository.Read("config", "argocd", "vectorcollection-health.lua"));

    [Fact]
    public void The_health_check_returns_every_argo_cd_status_it_needs()
    {
        var script = Script.Value;

        script.Should().Contain("hs.status = \"Healthy\"")
            .And.Contain("hs.status = \"Degraded\"")
            .And.Contain("hs.status = \"Progressing\"")
            .And.NotContain("hs.status = \"Missing\"");
    }

    [Theory]
    [InlineData("Ready", "Healthy")]
    [InlineData("Degraded", "Degraded")]
    [InlineData("Progressing", "Progressing")]
    [InlineData("Rebalancing", "Progressing")]
    public void A_true_condition_maps_to_its_status(string condition, string status)
    {
        var branch = Branch(condition);

        branch.Should().Contain($"local {condition.ToLowerInvariant()} = condition(\"{condition}\")")
            .And.Contain($"if {condition.ToLowerInvariant()} ~= nil and {condition.ToLowerInvariant()}.status == \"True\" then")
            .And.Contain($"hs.status = \"{status}\"")
            .And.Contain("return hs");
    }

    [Fact]
    public void A_status_older_than_the_spec_is_progressing_before_any_condition_is_read()
    {
        var script = Script.Value;
        var generationCheck = script.IndexOf("observed < generation", StringComparison.Ordinal);

        generationCheck.Should().BePositive();
        script.Should().Contain("local observed = obj.status.observedGeneration").And.Contain("local generation = obj.metadata.generation");
        generationCheck.Should().BeLessThan(script.IndexOf("condition(\"Degraded\")", StringComparison.Ordinal));
        script.IndexOf("condition(\"Degraded\")", StringComparison.Ordinal).Should().BeLessThan(script.IndexOf("condition(\"Ready\")", StringComparison.Ordinal),
            "Degraded outranks Ready");
    }

    [Fact]
    public void Without_status_or_a_known_condition_the_collection_is_progressing_with_a_message()
    {
        var script = Script.Value;

        script.Should().Contain("if obj.status == nil then")
            .And.Contain("Waiting for the operator to report status")
            .And.Contain("for _, c in ipairs(obj.status.conditions) do");
        var tail = script[script.LastIndexOf("return hs", script.Length - "return hs\n".Length - 1, StringComparison.Ordinal)..];
        tail.Should().Contain("hs.status = \"Progressing\"").And.Contain("hs.message = describe(ready, \"Waiting for the collection to become ready\")");
    }

    [Fact]
    public void The_argocd_cm_patch_embeds_the_script_verbatim()
    {
        var patch = YamlDocuments.Load(Repository.Read("config", "argocd", "argocd-cm-health-patch.yaml")).Single();

        patch["kind"]!.GetValue<string>().Should().Be("ConfigMap");
        patch["metadata"]!["name"]!.GetValue<string>().Should().Be("argocd-cm");
        patch["data"]!["resource.customizations.health.ragoperator.io_VectorCollection"]!.GetValue<string>().Should().Be(Script.Value);
    }

    [Fact]
    public void The_example_application_syncs_a_folder_of_collections_with_server_side_apply()
    {
        var applications = YamlDocuments.Load(Repository.Read("config", "argocd", "application.yaml"));
        var collections = applications.Single(a => a["metadata"]!["name"]!.GetValue<string>() == "rag-collections-team-a");

        applications.Should().OnlyContain(a => a["apiVersion"]!.GetValue<string>() == "argoproj.io/v1alpha1" && a["kind"]!.GetValue<string>() == "Application");
        collections["spec"]!["source"]!["path"]!.GetValue<string>().Should().Be("collections/team-a");
        collections["spec"]!["syncPolicy"]!["syncOptions"]!.AsArray().Select(o => o!.GetValue<string>()).Should().Contain("ServerSideApply=true");
    }

    private static string Branch(string condition)
    {
        var script = Script.Value;
        var start = script.IndexOf($"condition(\"{condition}\")", StringComparison.Ordinal);
        start.Should().BePositive($"the script must read the {condition} condition");
        start = script.LastIndexOf("local ", start, StringComparison.Ordinal);
        var end = script.IndexOf("return hs", start, StringComparison.Ordinal);
        return script[start..(end + "return hs".Length)];
    }
}
