using RagOperator.Kubernetes.Client;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Seams;

namespace RagOperator.Operator.Reconciliation;

/// <summary>The collaborators every reconcile step may use; one instance for the operator's lifetime.</summary>
public sealed class OperatorServices(
    IKubernetesClient client,
    IClusterView view,
    OperatorSettings settings,
    IShardEndpointResolver shardEndpoints,
    IQdrantClientFactory qdrant,
    IRouterAcks routerAcks,
    IEventSink events,
    TimeProvider? time = null)
{
    public IKubernetesClient Client { get; } = client;

    public IClusterView View { get; } = view;

    public OperatorSettings Settings { get; } = settings;

    public IShardEndpointResolver ShardEndpoints { get; } = shardEndpoints;

    public IQdrantClientFactory Qdrant { get; } = qdrant;

    public IRouterAcks RouterAcks { get; } = routerAcks;

    public IEventSink Events { get; } = events;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    public ChildApplier Applier { get; } = new(client, view, settings.FieldManager);

    public StatusWriter Status { get; } = new(client);
}
