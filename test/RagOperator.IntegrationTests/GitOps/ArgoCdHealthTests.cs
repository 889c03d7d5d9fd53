using System.Text.Json;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Kubernetes.Models;
using RagOperator.TestSupport.ArgoCd;
using RagOperator.TestSupport;
using RagOperator.TestSupport.Manifests;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.GitOps;

/// <summary>
/// The shipped Argo CD health check run on every status the operator writes while a GitOps user changes the shard
/// count: the sync must show Progressing until the migration is Done, never Healthy halfway.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class ArgoCdHealthTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_shard_count_change_shows_progressing_in_argo_cd_until_the_migration_is_done_then_healthy()
    {
        var check = new ArgoCdHealthCheck(Repository.Read("config", "argocd", "vectorcollection-health.lua"));
        await using var scenario = await MigrationScenario.StartAsync("argo", 2, seed: 31, output.WriteLine);
        await scenario.LoadAsync(800);
        scenario.StartWorkload();
        await WaitForHealthAsync(scenario, check, "Healthy");

        await scenario.ScaleAsync(3);
        var changed = (await scenario.GetAsync()).Metadata.Generation!.Value;
        var seen = new List<(long? Observed, MigrationPhase? Phase, int? ToShards, ArgoCdHealth Health)>();
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var collection = await scenario.GetAsync();
            var health = check.Evaluate(collection, KubernetesJson.Options);
            var migration = collection.Status?.Migration;
            seen.Add((collection.Status?.ObservedGeneration, migration?.Phase, migration?.ToShards, health));
            if (health.Status == "Healthy" || DateTime.UtcNow > deadline) break;
            await Task.Delay(10);
        }

        await scenario.StopWorkloadAsync();
        foreach (var s in seen.DistinctBy(s => (s.Phase, s.Health.Status))) output.WriteLine($"{s.Phase?.ToString() ?? "-"} -> {s.Health}");
        seen[^1].Health.Status.Should().Be("Healthy", "the collection settles once the migration is done");
        seen[^1].Should().Match<(long? Observed, MigrationPhase? Phase, int? ToShards, ArgoCdHealth Health)>(
            s => s.Observed == changed && s.Phase == MigrationPhase.Done && s.ToShards == 3, "Healthy only once the migration to 3 shards is Done");
        seen.Where(s => s.Observed == changed && s.ToShards == 3 && s.Phase != MigrationPhase.Done).Should()
            .NotBeEmpty("the migration's phases were seen").And
            .OnlyContain(s => s.Health.Status == "Progressing", "a migration in flight is progress");
        seen.Take(seen.Count - 1).Should().OnlyContain(s => s.Health.Status == "Progressing", "nothing before the end is Healthy or Degraded");
    }

    private static async Task WaitForHealthAsync(MigrationScenario scenario, ArgoCdHealthCheck check, string status)
    {
        await RagOperator.Sandbox.Sandbox.WaitForAsync(async _ =>
                check.Evaluate(await scenario.GetAsync(), KubernetesJson.Options).Status == status ? new object() : null,
            Timeout, $"Argo CD health {status}");
    }
}
