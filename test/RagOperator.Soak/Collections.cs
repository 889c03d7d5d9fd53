using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Qdrant;
using RagOperator.Sandbox;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.Soak;

/// <summary>Building blocks shared by the integration tests and the soak: the sample collection, its Secrets and shard clients.</summary>
public static class Collections
{
    public const string QdrantKey = "qdrant-key-0123456789";
    public const string RouterKey = "router-key-0123456789";

    public static VectorCollection Docs(string name = "docs", Action<VectorCollectionSpec>? configure = null)
    {
        var collection = new VectorCollection
        {
            Metadata = new ObjectMeta { Name = name },
            Spec = new VectorCollectionSpec
            {
                Dimension = 8,
                Shards = 2,
                Replicas = 1,
                Storage = new StorageSpec { Size = "1Gi" },
                Qdrant = new QdrantSpec { ApiKeySecretRef = new SecretKeySelector { Name = $"{name}-qdrant", Key = "api-key" } },
                Router = new RouterSpec { Replicas = 2, ApiKeySecretRef = new SecretKeySelector { Name = $"{name}-router", Key = "api-key" } },
            },
        };
        configure?.Invoke(collection.Spec);
        return collection;
    }

    /// <summary>Creates the collection's Secrets and the collection, and waits until it is Ready.</summary>
    public static async Task<VectorCollection> CreateReadyAsync(SandboxHost sandbox, VectorCollection collection)
    {
        var name = collection.Metadata.Name!;
        await sandbox.CreateSecretAsync($"{name}-qdrant", "api-key", QdrantKey);
        await sandbox.CreateSecretAsync($"{name}-router", "api-key", RouterKey);
        await sandbox.ApplyAsync(collection);
        return await sandbox.WaitForConditionAsync(name, "Ready");
    }

    /// <summary>A Qdrant client for a shard of the sandbox, with the collection's API key, verifying the shard against the collection's CA.</summary>
    public static Task<QdrantShardClient> ClientAsync(SandboxHost sandbox, string collection, int shard) =>
        sandbox.ShardClientAsync(collection, shard, endpoint => new QdrantClientOptions { BaseUri = endpoint, ApiKey = QdrantKey, MaxRetries = 0 });

    public static Task<SandboxHost> StartSandboxAsync(SandboxOptions? options = null) => SandboxHost.StartAsync(options ?? new SandboxOptions());
}
