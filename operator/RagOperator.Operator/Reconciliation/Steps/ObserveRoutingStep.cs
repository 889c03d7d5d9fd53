using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Routing;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Reads the published routing table from the cached <c>&lt;collection&gt;-routing</c> ConfigMap. A table that does not
/// parse is treated as absent (it is republished with a higher version) and logged; the routers keep serving their
/// last good table meanwhile.
/// </summary>
public sealed class ObserveRoutingStep : IReconcileStep
{
    public string Name => "observe-routing";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        context.Table = Read(context);
        return Task.FromResult(StepResult.Continue);
    }

    public static RoutingTable? Read(ReconcileContext context)
    {
        var map = context.Services.View.Get<ConfigMap>(context.Namespace, ChildNames.RoutingConfigMap(context.Name));
        context.TableResourceVersion = map?.Metadata.ResourceVersion;
        var table = Parse(map, out var error);
        if (error is not null)
            context.Logger.LogWarning("Routing ConfigMap {ConfigMap} holds an invalid table and will be replaced: {Error}", map!.Metadata.Name, error.Message);
        return table;
    }

    /// <summary>The table a routing ConfigMap holds; null (and the parse error, if any) when it holds none.</summary>
    public static RoutingTable? Parse(ConfigMap? map, out RoutingTableException? error)
    {
        error = null;
        if (map?.Data is null || !map.Data.TryGetValue(ChildNames.RoutingKey, out var json)) return null;
        if (RoutingTable.TryParse(json, out var table, out var parseError)) return table;
        error = parseError;
        return null;
    }
}
