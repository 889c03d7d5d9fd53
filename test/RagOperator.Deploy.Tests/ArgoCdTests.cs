using RagOperator.Deploy.Tests.Infrastructure;
using System.Text.Json.Nodes;
using RagOperator.TestSupport.ArgoCd;
using RagOperator.TestSupport.Manifests;

namespace RagOperator.Deploy.Tests;

/// <summary>
/// Runs the shipped health check (Lua, as Argo CD runs it) on statuses of every kind the operator writes: what a
/// stale status, each condition and each combination of them shows in Argo CD.
/// </summary>
public sealed class ArgoCdTests
{
    private static readonly Lazy<string> Script = new(() => Repository.Read("config", "argocd", "vectorcollection-health.lua"));

    public sealed record Case(string Name, long Generation, long? ObservedGeneration, string[] TrueConditions, string Health, string Message);

    private static readonly string[] AllConditions = ["Ready", "Progressing", "Degraded", "Rebalancing", "Upgrading"];

    public static TheoryData<Case> Cases => new()
    {
        new("ready and nothing in flight", 2, 2, ["Ready"], "Healthy", "Ready says so"),
        new("a status older than the spec, even a ready one", 3, 2, ["Ready"], "Progressing", "Waiting for the operator to observe generation 3"),
        new("no observed generation yet", 1, null, [], "Progressing", "Waiting for the operator to observe generation 1"),
        new("a migration in flight on a serving collection", 4, 4, ["Ready", "Rebalancing"], "Progressing", "Rebalancing says so"),
        new("a migration in flight with its first step still awaited", 4, 4, ["Ready", "Progressing", "Rebalancing"], "Progressing", "Rebalancing says so"),
        new("a rolling upgrade on a serving collection", 5, 5, ["Ready", "Upgrading"], "Progressing", "Upgrading says so"),
        new("replicas being added on a serving collection", 5, 5, ["Ready", "Progressing"], "Progressing", "Progressing says so"),
        new("degraded outranks a migration in flight", 4, 4, ["Ready", "Rebalancing", "Degraded"], "Degraded", "Degraded says so"),
        new("degraded outranks ready", 2, 2, ["Ready", "Degraded"], "Degraded", "Degraded says so"),
        new("nothing true yet", 1, 1, [], "Progressing", "Ready says so"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_health_check_shows_what_the_conditions_say(Case @case)
    {
        var collection = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "docs", ["generation"] = @case.Generation },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = @case.ObservedGeneration,
                ["conditions"] = new JsonArray([.. AllConditions.Select(type => (JsonNode)new JsonObject
                {
                    ["type"] = type,
                    ["status"] = @case.TrueConditions.Contains(type) ? "True" : "False",
                    ["reason"] = type + "Reason",
                    ["message"] = type + " says so",
                })]),
            },
        };
        if (@case.ObservedGeneration is null) collection["status"]!.AsObject().Remove("observedGeneration");

        var health = new ArgoCdHealthCheck(Script.Value).Evaluate(collection);

        health.Should().Be(new ArgoCdHealth(@case.Health, @case.Message), @case.Name);
    }

    [Fact]
    public void Without_status_the_collection_is_progressing_and_says_it_waits_for_the_operator()
    {
        var health = new ArgoCdHealthCheck(Script.Value).Evaluate(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "docs", ["generation"] = 1 } });

        health.Should().Be(new ArgoCdHealth("Progressing", "Waiting for the operator to report status"));
    }

    [Fact]
    public void A_condition_without_a_message_is_described_by_its_reason()
    {
        var collection = new JsonObject
        {
            ["metadata"] = new JsonObject { ["generation"] = 1 },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = 1,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Degraded", ["status"] = "True", ["reason"] = "ShardsNotReady", ["message"] = "" }),
            },
        };

        new ArgoCdHealthCheck(Script.Value).Evaluate(collection).Should().Be(new ArgoCdHealth("Degraded", "ShardsNotReady"));
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
}
