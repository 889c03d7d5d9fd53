using RagOperator.Router.Api;
using RagOperator.Routing;

namespace RagOperator.Router.RoutingSource;

/// <summary>
/// Tracks the routing version of every request still running — writes and searches — so that the version this
/// router reports as served (<see cref="ServedVersion"/>) is the lowest of the current table and any table a running
/// request was routed by.
/// <para>Why: the operator waits until every router reports version v before its next migration step (copying,
/// switching reads, cleaning up, deleting drained shards). A write routed by an older table may still be landing on
/// the shards that table named, e.g. on the old owner only after v started writing both; if the router acknowledged v
/// at once, the copier could pass that point before the old write lands and the new owner would miss it. A search
/// routed by an older table may still be waiting on a shard that table named; if the router acknowledged the stable
/// table at once, the operator could delete a drained shard under it and the search would fail. Reporting the lowest
/// in-flight version makes the acknowledgement mean "no request routed by an older table is still in flight".</para>
/// <para>A request captures its table and registers under one lock, and the served version is computed under the
/// same lock, so no request can start with an older table after a newer version was reported.</para>
/// </summary>
public sealed class RequestGate(RoutingTableHolder holder)
{
    private readonly Lock gate = new();
    private readonly SortedDictionary<long, int> running = [];

    /// <summary>The lowest of the current version and the version of any running request (0 before any table).</summary>
    public long ServedVersion
    {
        get
        {
            lock (gate)
            {
                var current = holder.Version;
                return running.Count == 0 ? current : Math.Min(current, running.Keys.First());
            }
        }
    }

    /// <summary>Requests now running.</summary>
    public int Running
    {
        get
        {
            lock (gate)
            {
                return running.Values.Sum();
            }
        }
    }

    /// <summary>Captures the current table for one request; dispose the lease when the request has finished.</summary>
    /// <exception cref="RouterRequestException">No table is loaded yet (503).</exception>
    public Lease Begin()
    {
        lock (gate)
        {
            var table = holder.Current ?? throw RouterReadiness.NotReady(holder.Collection);
            running[table.Version] = running.GetValueOrDefault(table.Version) + 1;
            return new Lease(this, table);
        }
    }

    private void End(long version)
    {
        lock (gate)
        {
            if (--running[version] == 0)
            {
                running.Remove(version);
            }
        }
    }

    /// <summary>One running request and the table it was routed by.</summary>
    public sealed class Lease : IDisposable
    {
        private RequestGate? owner;

        internal Lease(RequestGate owner, RoutingTable table)
        {
            this.owner = owner;
            Table = table;
        }

        public RoutingTable Table { get; }

        public void Dispose()
        {
            Interlocked.Exchange(ref owner, null)?.End(Table.Version);
        }
    }
}
