using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.IntegrationTests.Migration;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.DayTwo;

/// <summary>The running operator keeps the collection's NetworkPolicies in step with the spec, and removes them when asked.</summary>
[Collection(MigrationCollection.Name)]
public sealed class NetworkPolicyTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task The_policies_follow_allowed_clients_and_go_away_when_disabled()
    {
        await using var scenario = await MigrationScenario.StartAsync("np", 1, seed: 61, output.WriteLine);
        var sandbox = scenario.Sandbox;
        var shards = await RagOperator.Sandbox.Sandbox.WaitForAsync(
            async ct => await sandbox.Client.TryGetAsync<NetworkPolicy>(ChildNames.ShardNetworkPolicy(scenario.Name), sandbox.Namespace, ct), Timeout, "the shard policy");
        shards.Spec.Ingress.Should().HaveCount(2);
        var routers = await sandbox.Client.GetAsync<NetworkPolicy>(ChildNames.RouterNetworkPolicy(scenario.Name), sandbox.Namespace);
        routers.Spec.Ingress![0].From![0].PodSelector!.MatchLabels.Should().BeNullOrEmpty("by default every pod of the namespace may search");

        await sandbox.ApplyAsync(scenario.Collection(1, spec => spec.Router.AllowedFrom =
        [
            new NetworkPeer { PodSelector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "frontend" } } },
        ]));
        await RagOperator.Sandbox.Sandbox.WaitForAsync(async ct =>
                (await sandbox.Client.GetAsync<NetworkPolicy>(ChildNames.RouterNetworkPolicy(scenario.Name), sandbox.Namespace, ct))
                .Spec.Ingress![0].From![0].PodSelector?.MatchLabels is { } labels && labels.TryGetValue("app", out var app) && app == "frontend" ? new object() : null,
            Timeout, "the router policy to admit only the frontend");

        await sandbox.ApplyAsync(scenario.Collection(1, spec => spec.NetworkPolicy.Enabled = false));
        await RagOperator.Sandbox.Sandbox.WaitForAsync(async ct =>
                await sandbox.Client.TryGetAsync<NetworkPolicy>(ChildNames.ShardNetworkPolicy(scenario.Name), sandbox.Namespace, ct) is null
                && await sandbox.Client.TryGetAsync<NetworkPolicy>(ChildNames.RouterNetworkPolicy(scenario.Name), sandbox.Namespace, ct) is null
                    ? new object() : null,
            Timeout, "both policies deleted");
        (await scenario.GetAsync()).Status!.Conditions!.Single(c => c.Type == "Ready").Status.Should().Be("True");
    }
}
