using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Seams;

namespace RagOperator.Operator.Tests.Reconciliation;

/// <summary>
/// A reconcile context for running one step on its own: the cluster as the informer caches show it
/// (<see cref="DictionaryView"/>) and a substitute API client, so a test can make the cache lag behind the server.
/// </summary>
internal static class StepContexts
{
    public static ReconcileContext Create(VectorCollection collection, DictionaryView view, IKubernetesClient client, IShardEndpointResolver? endpoints = null)
    {
        var services = new OperatorServices(client, view, new OperatorSettings(), endpoints ?? new DefaultShardEndpointResolver(),
            Substitute.For<IQdrantClientFactory>(), Substitute.For<IRouterAcks>(), NullEventSink.Instance);
        return new ReconcileContext(collection, services, "test", NullLogger.Instance);
    }
}
