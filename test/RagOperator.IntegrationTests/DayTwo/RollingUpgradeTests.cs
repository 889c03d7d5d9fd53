using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Kubernetes;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Operator.Naming;
using Xunit;
using Xunit.Abstractions;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.IntegrationTests.DayTwo;

/// <summary>
/// Issue 9, rolling upgrades: a new spec.qdrant.version rolls one pod at a time per shard, shards one after another,
/// and halts (condition Upgrading=UpgradeHalted, Degraded) on a pod that does not come back healthy, leaving every
/// other pod as it was; skipping a minor version is refused before anything changes.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class RollingUpgradeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task An_upgrade_halts_at_a_pod_that_fails_its_health_check_and_leaves_the_other_pods_untouched()
    {
        await using var scenario = await MigrationScenario.StartAsync("up", 3, seed: 31, output.WriteLine, configure: spec =>
        {
            spec.Replicas = 2;
            spec.Qdrant.Version = "v1.18.0";
        });
        var sandbox = scenario.Sandbox;
        await WaitForReplicasAsync(sandbox, scenario.Name, 2);
        await scenario.LoadAsync(300);
        var before = await PodsAsync(sandbox, scenario.Name, 3);

        // The new release does not start on this pod (the first one the rollout replaces in shard 1).
        var failing = ChildNames.ShardPod(scenario.Name, 1, 1);
        sandbox.Simulator.SetPodHealth(sandbox.Namespace, failing, "qdrant/qdrant:v1.19.0", PodHealth.Failing);
        scenario.StartWorkload();
        await sandbox.ApplyAsync(scenario.Collection(3, spec => { spec.Replicas = 2; spec.Qdrant.Version = "v1.19.0"; }));

        var halted = await sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Conditions?.Any(x => x.Type == "Upgrading" && x.Reason == "UpgradeHalted") == true, "the rollout to halt", Timeout);
        var upgrading = halted.Status!.Conditions!.Single(c => c.Type == "Upgrading");
        output.WriteLine(upgrading.Message);
        upgrading.Status.Should().Be("True");
        upgrading.Message.Should().Contain(failing).And.Contain("keeps crashing").And.Contain("left untouched");
        halted.Status.Conditions!.Should().Contain(c => c.Type == "Degraded" && c.Status == "True" && c.Message!.Contains(failing));

        // Give the operator time to do something wrong, then check that nothing else moved.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await PodsAsync(sandbox, scenario.Name, 3);
        after[0].Should().OnlyContain(p => p.Version == "v1.19.0" && p.Ready, "shard 0 was upgraded first");
        after[1].Single(p => p.Name == failing).Should().Match<PodView>(p => p.Version == "v1.19.0" && !p.Ready);
        after[1].Single(p => p.Name != failing).Should().Be(before[1].Single(p => p.Name != failing), "the rest of shard 1 is untouched");
        after[2].Should().Equal(before[2], "shard 2 is untouched");
        (await sandbox.GetCollectionAsync(scenario.Name)).Status!.Conditions!
            .Should().Contain(c => c.Type == "Upgrading" && c.Reason == "UpgradeHalted");

        // Once the pod is healthy the rollout resumes by itself and finishes.
        sandbox.Simulator.SetPodHealth(sandbox.Namespace, failing, "qdrant/qdrant:v1.19.0", PodHealth.Healthy);
        await sandbox.WaitForCollectionAsync(scenario.Name,
            c => c.Status?.Conditions?.Any(x => x.Type == "Upgrading" && x.Status == "False" && x.Reason == "UpToDate") == true,
            "the rollout to finish", Timeout);
        var done = await PodsAsync(sandbox, scenario.Name, 3);
        done.SelectMany(p => p).Should().OnlyContain(p => p.Version == "v1.19.0" && p.Ready);

        await scenario.StopWorkloadAsync();
        var report = await scenario.CheckAsync(await scenario.PublishedAsync());
        output.WriteLine(report.ToString());
        report.Holds.Should().BeTrue($"two replicas per shard serve throughout: {report}; {scenario.Describe()}");
    }

    [Fact]
    public async Task Skipping_a_minor_version_is_refused_with_the_versions_to_go_through_and_changes_nothing()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await Collections.CreateReadyAsync(sandbox, Collections.Docs("skip", spec => { spec.Shards = 1; spec.Qdrant.Version = "v1.17.2"; }));
        var before = await ShardPodsProbe.PodsAsync(sandbox, "skip", 0);

        await sandbox.ApplyAsync(Collections.Docs("skip", spec => { spec.Shards = 1; spec.Qdrant.Version = "v1.19.0"; }));
        var refused = await sandbox.WaitForConditionAsync("skip", "Degraded");
        var degraded = refused.Status!.Conditions!.Single(c => c.Type == "Degraded");
        output.WriteLine(degraded.Message);
        degraded.Reason.Should().Be("VersionSkipRefused");
        degraded.Message.Should().Contain("v1.18.x").And.Contain("v1.17.2");
        refused.Status.Conditions.Should().Contain(c => c.Type == "Upgrading" && c.Status == "False" && c.Reason == "VersionSkipRefused");

        (await ShardPodsProbe.SetAsync(sandbox, "skip", 0)).Spec.Template.Spec.Containers[0].Image.Should().Be("qdrant/qdrant:v1.17.2");
        await Task.Delay(TimeSpan.FromSeconds(1));
        (await ShardPodsProbe.PodsAsync(sandbox, "skip", 0)).Should().Equal(before, "no pod is replaced");
        before.Should().ContainSingle().Which.Version.Should().Be("v1.17.2");

        await sandbox.ApplyAsync(Collections.Docs("skip", spec => { spec.Shards = 1; spec.Qdrant.Version = "v1.18.0"; }));
        var upgraded = await sandbox.WaitForCollectionAsync("skip",
            c => c.Status?.ObservedGeneration == c.Metadata.Generation
                 && c.Status!.Conditions!.Any(x => x.Type == "Upgrading" && x.Reason == "UpToDate" && x.ObservedGeneration == c.Metadata.Generation)
                 && c.Status.Conditions!.Any(x => x.Type == "Ready" && x.Status == "True"),
            "the one-step upgrade to finish", Timeout);
        var status = System.Text.Json.JsonSerializer.Serialize(upgraded.Status, RagOperator.Kubernetes.Models.KubernetesJson.Options);
        await SandboxHost.WaitForAsync(async _ => (await ShardPodsProbe.PodsAsync(sandbox, "skip", 0)) is [{ Ready: true }] pods ? pods : null,
            Timeout, "the shard's pod to be Ready");
        (await ShardPodsProbe.PodsAsync(sandbox, "skip", 0)).Should().OnlyContain(p => p.Version == "v1.18.0", status);
    }

    private static async Task WaitForReplicasAsync(SandboxHost sandbox, string name, int replicas) =>
        await sandbox.WaitForCollectionAsync(name,
            c => c.Status?.Shards is { Count: > 0 } shards && shards.All(s => s.ActiveReplicas == replicas),
            $"{replicas} Active replicas per shard", Timeout);

    private static async Task<List<IReadOnlyList<PodView>>> PodsAsync(SandboxHost sandbox, string name, int shards)
    {
        var pods = new List<IReadOnlyList<PodView>>();
        for (var shard = 0; shard < shards; shard++) pods.Add(await ShardPodsProbe.PodsAsync(sandbox, name, shard));
        return pods;
    }
}
