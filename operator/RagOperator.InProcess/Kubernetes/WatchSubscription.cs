using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>What a watcher receives: an event (after its filter) or a bookmark.</summary>
/// <param name="Type">ADDED, MODIFIED, DELETED or BOOKMARK.</param>
/// <param name="Object">The frozen object (never mutated), null for bookmarks.</param>
/// <param name="ResourceVersion">The version the message brings the watcher up to.</param>
/// <param name="InitialEventsEnd">A bookmark that marks the end of the initial state (sendInitialEvents).</param>
internal sealed record WatchMessage(string Type, JsonObject? Object, long ResourceVersion, bool InitialEventsEnd = false);

/// <summary>
/// One open watch on the store. The store offers it every committed event under the store lock, so a watcher
/// sees events in resourceVersion order with none skipped; the projection decides what the watcher sees
/// (namespace, selectors, and the ADDED/DELETED translation when an object enters or leaves a selector).
/// </summary>
internal sealed class WatchSubscription(Func<StoreEvent, WatchMessage?> project)
{
    private readonly Channel<WatchMessage> channel = Channel.CreateUnbounded<WatchMessage>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<WatchMessage> Reader => channel.Reader;

    /// <summary>The store version this watcher has been offered everything up to (read under the store lock).</summary>
    public long ProgressResourceVersion { get; private set; }

    internal void Offer(StoreEvent storeEvent)
    {
        if (project(storeEvent) is { } message)
        {
            channel.Writer.TryWrite(message);
        }

        ProgressResourceVersion = storeEvent.ResourceVersion;
    }

    internal void OfferSynthetic(WatchMessage message) => channel.Writer.TryWrite(message);

    internal void StartAt(long resourceVersion) => ProgressResourceVersion = resourceVersion;

    internal void Complete() => channel.Writer.TryComplete();
}
