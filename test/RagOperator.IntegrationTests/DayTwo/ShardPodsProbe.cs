using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.IntegrationTests.DayTwo;

/// <summary>A shard pod as a test sees it: identity (a replaced pod gets a new uid), image and readiness.</summary>
internal sealed record PodView(string Name, string Uid, string Image, bool Ready)
{
    public string Version => Image[(Image.LastIndexOf(':') + 1)..];
}

/// <summary>Reads a collection's shard pods and StatefulSets straight from the API server.</summary>
internal static class ShardPodsProbe
{
    public static async Task<IReadOnlyList<PodView>> PodsAsync(SandboxHost sandbox, string collection, int shard)
    {
        var selector = $"{Labels.Instance}={collection},{Labels.Component}={Labels.ShardComponent},{Labels.Shard}={shard}";
        var pods = await sandbox.Client.ListAsync<Pod>(sandbox.Namespace, new ListOptions { LabelSelector = selector });
        return pods.Items
            .Where(p => p.Metadata.DeletionTimestamp is null)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(p => new PodView(p.Metadata.Name!, p.Metadata.Uid!, p.Spec.Containers[0].Image!,
                p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true))
            .ToList();
    }

    public static async Task<StatefulSet> SetAsync(SandboxHost sandbox, string collection, int shard) =>
        await sandbox.Client.GetAsync<StatefulSet>(ChildNames.Shard(collection, shard), sandbox.Namespace);
}
