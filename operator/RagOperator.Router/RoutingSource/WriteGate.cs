using RagOperator.Router.Api;
using RagOperator.Routing;

namespace RagOperator.Router.RoutingSource;

/// <summary>
/// Tracks the routing version of every write still running, so that the version this router reports as served
/// (<see cref="ServedVersion"/>) is the lowest of the current table and any table a running write was routed by.
/// <para>Why: the operator waits until every router reports version v before its next migration step (copying,
/// switching reads, cleaning up). A write routed by an older table may still be landing on the shards that table
/// named, e.g. on the old owner only after v started writing both; if the router acknowledged v at once, the
/// copier could pass that point before the old write lands and the new owner would miss it. Reporting the lowest
/// in-flight version makes the acknowledgement mean "no write routed by an older table is still in flight".</para>
/// <para>A write captures its table and registers under one lock, and the served version is computed under the
/// same lock, so no write can start with an older table after a newer version was reported.</para>
/// </summary>
public sealed class WriteGate(RoutingTableHolder holder)
{
    private readonly Lock gate = new();
    private readonly SortedDictionary<long, int> running = [];

    /// <summary>The lowest of the current version and the version of any running write (0 before any table).</summary>
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

    /// <summary>Writes now running.</summary>
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

    /// <summary>Captures the current table for one write; dispose the lease when the write has finished.</summary>
    /// <exception cref="RouterRequestException">No table is loaded yet (503).</exception>
    public WriteLease Begin()
    {
        lock (gate)
        {
            var table = holder.Current ?? throw RouterReadiness.NotReady(holder.Collection);
            running[table.Version] = running.GetValueOrDefault(table.Version) + 1;
            return new WriteLease(this, table);
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

    /// <summary>One running write and the table it was routed by.</summary>
    public sealed class WriteLease : IDisposable
    {
        private WriteGate? owner;

        internal WriteLease(WriteGate owner, RoutingTable table)
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
