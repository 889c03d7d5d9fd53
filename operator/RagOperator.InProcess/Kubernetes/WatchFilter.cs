using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// What one watch sees of the store's events: its resource, namespace and selectors. Like the real watch cache,
/// an object that starts matching the selectors arrives as ADDED and one that stops matching as DELETED (its
/// previous state, stamped with the new resourceVersion).
/// </summary>
internal sealed class WatchFilter(string resource, string? ns, LabelSelector labels, FieldSelector fields)
{
    public bool Matches(JsonObject obj) =>
        (ns is null || Meta.Namespace(obj) == ns) && labels.Matches(obj) && fields.Matches(obj);

    public WatchMessage? Project(StoreEvent change)
    {
        if (change.Key.Resource != resource || (ns is not null && change.Key.Namespace != ns))
        {
            return null;
        }

        switch (change.Type)
        {
            case WatchEventType.Added:
                return Matches(change.Object) ? new WatchMessage("ADDED", change.Object, change.ResourceVersion) : null;
            case WatchEventType.Deleted:
                return Matches(change.Object) ? new WatchMessage("DELETED", change.Object, change.ResourceVersion) : null;
            default:
                var now = Matches(change.Object);
                var before = change.Previous is not null && Matches(change.Previous);
                if (now)
                {
                    return new WatchMessage(before ? "MODIFIED" : "ADDED", change.Object, change.ResourceVersion);
                }

                if (!before)
                {
                    return null;
                }

                var left = JsonTree.Clone(change.Previous!);
                Meta.Of(left)["resourceVersion"] = change.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
                JsonTree.Freeze(left);
                return new WatchMessage("DELETED", left, change.ResourceVersion);
        }
    }
}
