using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Seams;
using RagOperator.Operator.Snapshots;
using RagOperator.Operator.Tests.Reconciliation;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

/// <summary>
/// The schedule decides from the informer cache, which may not have seen the previous scheduled snapshot complete:
/// a run is skipped (for good) only when the API server confirms that snapshot still runs.
/// </summary>
public sealed class SnapshotScheduleReconcilerTests
{
    private const string Previous = "docs-20250301-0100";
    private const string Due = "docs-20250301-0200";

    [Theory]
    [InlineData(SnapshotPhases.Completed, true)]
    [InlineData(SnapshotPhases.Failed, true)]
    [InlineData(SnapshotPhases.Running, false)]
    public async Task A_run_is_skipped_only_when_the_api_server_confirms_the_snapshot_the_cache_shows_running(string phaseOnServer, bool taken)
    {
        var view = new DictionaryView();
        view.Put(Collection());
        view.Put(Snapshot(SnapshotPhases.Running));
        var client = Substitute.For<IKubernetesClient>();
        client.GetAsync<VectorSnapshot>(Previous, "search", Arg.Any<CancellationToken>()).Returns(Snapshot(phaseOnServer));
        var services = new SnapshotServices(client, view, Substitute.For<ISnapshotStoreFactory>(), Substitute.For<IQdrantClientFactory>(),
            Substitute.For<ISnapshotPeerResolver>(), NullEventSink.Instance, time: new ManualTime(At("02:00:20")));
        var reconciler = new SnapshotScheduleReconciler(services, new StatusWriter(client), NullLogger.Instance);

        await reconciler.ReconcileAsync(new ReconcileRequest("search", "docs"), CancellationToken.None);

        if (taken)
            await client.Received(1).CreateAsync(Arg.Is<VectorSnapshot>(s => s.Metadata.Name == Due), Arg.Any<CancellationToken>());
        else
            await client.DidNotReceiveWithAnyArgs().CreateAsync<VectorSnapshot>(default!, default);
    }

    private static DateTimeOffset At(string time) =>
        DateTimeOffset.Parse($"2025-03-01T{time}Z", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static VectorCollection Collection()
    {
        var collection = Fixtures.Collection(configure: spec => spec.Snapshots = new SnapshotScheduleSpec
        {
            Schedule = "0 * * * *",
            Retain = 3,
            Storage = new SnapshotStorageSpec { Pvc = new PvcSnapshotStorage { ClaimName = "backups" } },
        });
        collection.Metadata.CreationTimestamp = At("00:10:00");
        collection.Status = new VectorCollectionStatus { Snapshots = new SnapshotScheduleStatus { LastScheduleTime = At("01:00:00") } };
        return collection;
    }

    private static VectorSnapshot Snapshot(string phase) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = Previous,
            Namespace = "search",
            Labels = new Dictionary<string, string> { [SnapshotSchedule.ScheduleLabel] = "docs" },
            Annotations = new Dictionary<string, string> { [SnapshotSchedule.ScheduledAtAnnotation] = "2025-03-01T01:00:00Z" },
        },
        Spec = new VectorSnapshotSpec { Collection = "docs" },
        Status = new VectorSnapshotStatus { Phase = phase },
    };
}
