using System.Net.Http.Headers;
using System.Text;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation.Steps;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.DayTwo;

/// <summary>
/// spec.router.autoscaling hands the router count to a HorizontalPodAutoscaler without ever dropping below the running
/// count, leaves the autoscaler's scales alone, and takes the count back when autoscaling is switched off.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class RouterAutoscalingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Turning_autoscaling_on_hands_the_count_over_without_a_dip_and_turning_it_off_takes_it_back()
    {
        await using var scenario = await MigrationScenario.StartAsync("ras", 1, seed: 51, output.WriteLine);
        var sandbox = scenario.Sandbox;
        var name = ChildNames.Router(scenario.Name);
        (await Router(scenario)).Spec.Replicas.Should().Be(2);

        using var watching = new CancellationTokenSource();
        var lowest = LowestReplicasAsync(scenario, watching.Token);
        var autoscaled = scenario.Collection(1, spec => spec.Router.Autoscaling = new RouterAutoscalingSpec
        {
            MinReplicas = 2,
            MaxReplicas = 6,
            TargetCpuUtilizationPercent = 70,
        });
        await sandbox.ApplyAsync(autoscaled);
        var autoscaler = await RagOperator.Sandbox.Sandbox.WaitForAsync(
            async ct => await sandbox.Client.TryGetAsync<HorizontalPodAutoscaler>(name, sandbox.Namespace, ct), Timeout, "the router autoscaler");
        (autoscaler.Spec.MinReplicas, autoscaler.Spec.MaxReplicas).Should().Be((2, 6));
        await RagOperator.Sandbox.Sandbox.WaitForAsync(async _ =>
            Managers(await Router(scenario)).Contains(RouterStep.ReplicasHandoverManager) ? new object() : null, Timeout, "the count handed over");
        (await sandbox.Client.GetAsync<PodDisruptionBudget>(name, sandbox.Namespace)).Spec.MinAvailable.Should().Be(IntOrString.FromInt32(1));

        // The autoscaler scales through the Deployment's count, as its own field manager.
        await ScaleAsAutoscalerAsync(scenario, 4);
        await sandbox.WaitForCollectionAsync(scenario.Name, c => c.Status?.Router?.Replicas == 4, "the status to show the autoscaled count", Timeout);
        await Task.Delay(TimeSpan.FromSeconds(2));
        (await Router(scenario)).Spec.Replicas.Should().Be(4, "the operator leaves the autoscaler's count alone");
        await watching.CancelAsync();
        (await lowest).Should().Be(2, "the count never dips while it changes hands");

        await sandbox.ApplyAsync(scenario.Collection(1));
        await RagOperator.Sandbox.Sandbox.WaitForAsync(async ct =>
            await sandbox.Client.TryGetAsync<HorizontalPodAutoscaler>(name, sandbox.Namespace, ct) is null && (await Router(scenario)).Spec.Replicas == 2 ? new object() : null,
            Timeout, "the autoscaler gone and spec.router.replicas back");
        (await sandbox.Client.GetAsync<PodDisruptionBudget>(name, sandbox.Namespace)).Spec.MaxUnavailable.Should().Be(IntOrString.FromInt32(1));
    }

    private static Task<Deployment> Router(MigrationScenario scenario) =>
        scenario.Sandbox.Client.GetAsync<Deployment>(ChildNames.Router(scenario.Name), scenario.Sandbox.Namespace);

    private static HashSet<string> Managers(Deployment deployment) =>
        deployment.Metadata.ManagedFields?
            .Where(e => e["fieldsV1"]?["f:spec"]?["f:replicas"] is not null)
            .Select(e => e["manager"]!.GetValue<string>())
            .ToHashSet() ?? [];

    private static async Task<int> LowestReplicasAsync(MigrationScenario scenario, CancellationToken cancellationToken)
    {
        var lowest = int.MaxValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            lowest = Math.Min(lowest, (await Router(scenario)).Spec.Replicas ?? 1);
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return lowest;
    }

    private static async Task ScaleAsAutoscalerAsync(MigrationScenario scenario, int replicas)
    {
        using var http = new HttpClient { BaseAddress = scenario.Sandbox.ApiServer.BaseUri };
        using var body = new StringContent($$$"""{"spec":{"replicas":{{{replicas}}}}}""", Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        var response = await http.PatchAsync(
            $"apis/apps/v1/namespaces/{scenario.Sandbox.Namespace}/deployments/{ChildNames.Router(scenario.Name)}?fieldManager=horizontal-pod-autoscaler", body);
        response.EnsureSuccessStatusCode();
    }
}
