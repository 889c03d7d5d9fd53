using System.Text.Json.Nodes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Adds and removes the operator's finalizer with JSON patches guarded by a <c>test</c> of the resourceVersion, so
/// the operator only ever touches <c>metadata.finalizers</c> (never spec) and never drops a finalizer another
/// controller added in between: a stale read fails with a conflict and the reconcile is retried.
/// </summary>
public static class Finalizers
{
    public const string Name = "ragoperator.io/finalizer";

    public static bool Has(IKubernetesObject obj) => obj.Metadata.Finalizers?.Contains(Name) == true;

    public static Task<T> AddAsync<T>(IKubernetesClient client, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var operations = new JsonArray { Test(obj) };
        operations.Add(obj.Metadata.Finalizers is null
            ? new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers", ["value"] = new JsonArray(Name) }
            : new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers/-", ["value"] = Name });
        return client.PatchAsync<T>(obj.Metadata.Name!, obj.Metadata.Namespace, KubernetesPatch.Json(operations), cancellationToken);
    }

    public static Task<T> RemoveAsync<T>(IKubernetesClient client, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var remaining = new JsonArray((obj.Metadata.Finalizers ?? []).Where(f => f != Name).Select(f => (JsonNode?)f).ToArray());
        var operations = new JsonArray
        {
            Test(obj),
            new JsonObject { ["op"] = "replace", ["path"] = "/metadata/finalizers", ["value"] = remaining },
        };
        return client.PatchAsync<T>(obj.Metadata.Name!, obj.Metadata.Namespace, KubernetesPatch.Json(operations), cancellationToken);
    }

    private static JsonObject Test(IKubernetesObject obj) =>
        new() { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = obj.Metadata.ResourceVersion };
}
