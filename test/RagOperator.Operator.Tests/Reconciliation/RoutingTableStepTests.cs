using FluentAssertions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Operator.Seams;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

/// <summary>
/// The routing step re-applies the active table's maps every reconcile to repair drift. The table it holds was read
/// from the cache at the start of the chain; the migration step of the previous reconcile may have published a newer
/// one that reaches the cache in between. Writing the older one back would roll the routers' ConfigMap back.
/// </summary>
public sealed class RoutingTableStepTests
{
    private static readonly BuildInput Input = Fixtures.Input();
    private static readonly RoutingTable V1 = RoutingTables.Initial(Input, 1, Endpoint);
    private static readonly RoutingTable V2 = RoutingTables.WithEndpoints(V1, 2, Endpoint);

    [Fact]
    public async Task A_newer_table_that_reached_the_cache_during_the_reconcile_is_kept_and_the_older_one_never_written_back()
    {
        var view = Cluster(active: V2, activeVersion: "8");
        var client = Substitute.For<IKubernetesClient>();
        var context = StepContexts.Create(Fixtures.Collection(), view, client);
        context.Table = V1; // what ObserveRoutingStep read a moment before the cache caught up

        (await new RoutingTableStep().RunAsync(context, CancellationToken.None)).Should().Be(StepResult.Continue);

        await client.DidNotReceiveWithAnyArgs().ApplyAsync<ConfigMap>(default!, default!, default);
        context.Table!.Version.Should().Be(2);
    }

    [Fact]
    public async Task A_drift_repair_is_conditional_on_the_map_it_was_checked_against_and_a_table_published_in_between_wins()
    {
        var view = Cluster(active: V1, activeVersion: "5");
        var drifted = view.Get<ConfigMap>("search", ChildNames.RoutingConfigMap("docs"))!;
        drifted.Metadata.Labels!.Remove(Labels.ManagedBy);
        view.Put(drifted);
        var client = Substitute.For<IKubernetesClient>();
        var sent = new List<string?>();
        client.ApplyAsync(Arg.Is<ConfigMap>(m => m.Metadata.Name == ChildNames.RoutingConfigMap("docs")), Arg.Any<ApplyOptions>(), Arg.Any<CancellationToken>())
            .Returns<ConfigMap>(call =>
            {
                sent.Add(call.Arg<ConfigMap>().Metadata.ResourceVersion);
                throw new ConflictException(new Status { Code = 409, Reason = "Conflict", Message = "the object has been modified" });
            });
        client.GetAsync<ConfigMap>(ChildNames.RoutingConfigMap("docs"), "search", Arg.Any<CancellationToken>())
            .Returns(Map(RoutingConfigMapBuilder.Active(Input, V2), "9"));
        var context = StepContexts.Create(Fixtures.Collection(), view, client);
        context.Table = V1;

        (await new RoutingTableStep().RunAsync(context, CancellationToken.None)).Should().Be(StepResult.Continue);

        sent.Should().Equal(["5"], "the repair may only replace the map whose table it checked");
        context.Table!.Version.Should().Be(2);
    }

    private static string Endpoint(int shard) => new DefaultShardEndpointResolver().Endpoint("search", "docs", shard, tls: true);

    /// <summary>The routing maps as the cache holds them: history copies of v1 and v2, and the active map.</summary>
    private static DictionaryView Cluster(RoutingTable active, string activeVersion)
    {
        var view = new DictionaryView();
        view.Put(Map(RoutingConfigMapBuilder.History(Input, V1), "3"));
        view.Put(Map(RoutingConfigMapBuilder.History(Input, V2), "7"));
        view.Put(Map(RoutingConfigMapBuilder.Active(Input, active), activeVersion));
        return view;
    }

    private static ConfigMap Map(ConfigMap map, string resourceVersion)
    {
        map.Metadata.ResourceVersion = resourceVersion;
        map.Metadata.Uid = $"uid-{map.Metadata.Name}";
        return map;
    }
}
