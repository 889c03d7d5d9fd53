using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using System.Text.Json.Nodes;
using MigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Benchmarks.Support;

/// <summary>Collections in a <see cref="Sandbox.Sandbox"/> for the end-to-end suites: create, wait, scale.</summary>
public static class SandboxCollections
{
    /// <summary>A hash collection without API keys (the suites measure the product, not authentication).</summary>
    public static VectorCollection Collection(string name, int shards, int dimension, int routers) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new VectorCollectionSpec
        {
            Dimension = dimension,
            Shards = shards,
            Storage = new StorageSpec { Size = "1Gi" },
            Router = new RouterSpec { Replicas = routers },
        },
    };

    /// <summary>Patches spec.shards as a user would and waits until the migration to that count is Done.</summary>
    public static async Task<VectorCollection> ScaleAsync(Sandbox.Sandbox sandbox, string name, int shards, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await sandbox.Client.PatchAsync<VectorCollection>(name, sandbox.Namespace,
            KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["shards"] = shards } }), cancellationToken);
        return await sandbox.WaitForCollectionAsync(name, c => IsDone(c, shards), $"the migration of {name} to {shards} shards to be Done", timeout,
            cancellationToken: cancellationToken);
    }

    public static bool IsDone(VectorCollection collection, int shards) =>
        collection.Status?.Migration is { Phase: MigrationPhase.Done } migration
        && migration.ToShards == shards
        && migration.TargetGeneration == collection.Metadata.Generation;
}
