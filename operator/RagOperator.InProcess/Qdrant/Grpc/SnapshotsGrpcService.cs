using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>
/// <c>qdrant.Snapshots</c>: create, list and delete a collection's snapshots in the same store as the REST face, with
/// the same injected snapshot faults and creation delay. Downloading, uploading and recovering a snapshot are REST
/// only, as in Qdrant; full (all-collection) snapshots answer <c>Unimplemented</c>.
/// </summary>
[BindServiceMethod(typeof(SnapshotsGrpcService), nameof(BindService))]
internal class SnapshotsGrpcService(InProcessQdrantCollections collections, SnapshotStore snapshots, QdrantFaults faults)
{
    private const string Service = "qdrant.Snapshots";

    /// <summary>See <see cref="PointsGrpcService.BindService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, SnapshotsGrpcService? service)
    {
        binder.AddMethod(QdrantGrpcMethods.Unary<CreateSnapshotRequest, CreateSnapshotResponse>(Service, "Create"), service is null ? null : service.Create);
        binder.AddMethod(QdrantGrpcMethods.Unary<ListSnapshotsRequest, ListSnapshotsResponse>(Service, "List"), service is null ? null : service.List);
        binder.AddMethod(QdrantGrpcMethods.Unary<DeleteSnapshotRequest, DeleteSnapshotResponse>(Service, "Delete"), service is null ? null : service.Delete);
    }

    public virtual async Task<CreateSnapshotResponse> Create(CreateSnapshotRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        ThrowInjectedFault();
        var collection = collections.Named(request.CollectionName);
        if (faults.SnapshotCreationDelay is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.CancellationToken);
        }

        var file = snapshots.Add(request.CollectionName, SnapshotCodec.Write(collection));
        return new CreateSnapshotResponse { SnapshotDescription = Describe(file), Time = Seconds(started) };
    }

    public virtual Task<ListSnapshotsResponse> List(ListSnapshotsRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        ThrowInjectedFault();
        collections.Named(request.CollectionName);
        var response = new ListSnapshotsResponse { Time = Seconds(started) };
        response.SnapshotDescriptions.AddRange(snapshots.List(request.CollectionName).Select(Describe));
        return Task.FromResult(response);
    }

    public virtual Task<DeleteSnapshotResponse> Delete(DeleteSnapshotRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        ThrowInjectedFault();
        return snapshots.Remove(request.CollectionName, request.SnapshotName)
            ? Task.FromResult(new DeleteSnapshotResponse { Time = Seconds(started) })
            : throw QdrantHttpError.NotFound($"Snapshot {request.SnapshotName} not found");
    }

    private void ThrowInjectedFault()
    {
        if (faults.NextSnapshotFault() is { } status)
        {
            throw new RpcException(new Status(QdrantGrpcGate.ToStatusCode(status), QdrantFaults.InjectedMessage(status)));
        }
    }

    private static SnapshotDescription Describe(SnapshotFile file) => new()
    {
        Name = file.Name,
        CreationTime = Timestamp.FromDateTime(DateTime.SpecifyKind(file.CreatedUtc, DateTimeKind.Utc)),
        Size = file.Content.Length,
        Checksum = file.Checksum,
    };

    private static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
}
