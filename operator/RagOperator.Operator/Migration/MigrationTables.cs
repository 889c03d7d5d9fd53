using System.Collections.Immutable;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>
/// The routing tables of one migration (pure). Whatever table is published, the old and the new ownership follow
/// from it and the moves: a migration table carries the old ownership, the stable new table is the old one with
/// the moves applied, and the moves reversed take it back. So a restarted operator rebuilds every table from the
/// published one and the moves recorded in status, and recognises which of them is published.
/// <list type="bullet">
/// <item>StableOld: the shards that own cells before the migration (also the rollback table, with a higher version).</item>
/// <item>ReadOldWriteBoth / ReadNewWriteBoth / ReadNewWriteNew: the old ownership over the old shards plus the added
/// ones (owning nothing yet), with the moves and the rule.</item>
/// <item>StableNew: the shards that own cells after the migration; drained shards are left out, so the reconciler
/// stops maintaining them and the routers stop naming them.</item>
/// </list>
/// <para><b>Re-partitions</b> (<see cref="ForRepartition"/>): the old and the new partition are two stable tables kept
/// in the partition ConfigMap (<see cref="PartitionStore"/>), since a new training cannot be derived from the
/// published table. StableOld is the old one, StableNew the new one (recognised by their assigners), and the migration
/// tables are the old one with <c>migration.next</c> = the new assigner and ownership.</para>
/// </summary>
public sealed class MigrationTables
{
    private readonly RoutingTable published;
    private readonly Func<int, string> endpoint;
    private readonly RoutingTable? from;
    private readonly RoutingTable? to;

    private MigrationTables(RoutingTable published, string migrationId, RoutingTable from, RoutingTable to, Func<int, string> endpoint)
    {
        this.published = published;
        this.endpoint = endpoint;
        this.from = from;
        this.to = to;
        MigrationId = migrationId;
        Moves = [];
        PublishedKind = ClassifyRepartition(published, migrationId, from, to);
        if (PublishedKind is not null)
        {
            Old = Trim(from.OldAssignment());
            New = Trim(to.OldAssignment());
        }
    }

    /// <summary>The tables of a re-partition from the stable table <paramref name="from"/> to the stable table <paramref name="to"/>.</summary>
    public static MigrationTables ForRepartition(RoutingTable published, string migrationId, RoutingTable from, RoutingTable to, Func<int, string> endpoint) =>
        new(published, migrationId, from, to, endpoint);

    public bool IsRepartition => to is not null;

    /// <summary>Which table of a re-partition <paramref name="table"/> is: by migration id and rule, or by assigner when stable.</summary>
    public static MigrationTable? ClassifyRepartition(RoutingTable table, string migrationId, RoutingTable from, RoutingTable to)
    {
        if (table.Migration is { } migration)
        {
            if (migration.Id != migrationId || migration.Next is null) return null;
            return migration.Rule switch
            {
                MigrationRule.ReadOldWriteBoth => MigrationTable.ReadOldWriteBoth,
                MigrationRule.ReadNewWriteBoth => MigrationTable.ReadNewWriteBoth,
                _ => MigrationTable.ReadNewWriteNew,
            };
        }

        if (table.Assigner.IsEquivalentTo(to.Assigner) || (to.Assigner is SemanticCellAssigner next && table.Assigner is SemanticCellAssigner served
            && served.Generation == next.Generation))
        {
            return MigrationTable.StableNew;
        }

        return table.Assigner.KeyOffset == from.Assigner.KeyOffset ? MigrationTable.StableOld : null;
    }

    public MigrationTables(RoutingTable published, string migrationId, IReadOnlyList<CellMove> moves, Func<int, string> endpoint)
    {
        if (moves.Count == 0) throw new ArgumentException("a migration moves at least one cell", nameof(moves));
        this.published = published;
        this.endpoint = endpoint;
        MigrationId = migrationId;
        Moves = [.. moves];
        PublishedKind = Classify(published, migrationId, Moves);
        if (PublishedKind is { } kind)
        {
            Old = kind switch
            {
                MigrationTable.StableNew => Trim(RebalancePlanner.ApplyMoves(published.OldAssignment(), Moves.Select(m => new CellMove(m.Cells, m.To, m.From)))),
                _ => Trim(published.OldAssignment()),
            };
            New = Trim(RebalancePlanner.ApplyMoves(Old, Moves));
        }
    }

    public string MigrationId { get; }

    public ImmutableArray<CellMove> Moves { get; }

    /// <summary>Which table of this migration is published; null when the published table belongs to none of them.</summary>
    public MigrationTable? PublishedKind { get; }

    /// <summary>Ownership before the migration (null when <see cref="PublishedKind"/> is null).</summary>
    public CellAssignment? Old { get; }

    /// <summary>Ownership after the migration (null when <see cref="PublishedKind"/> is null).</summary>
    public CellAssignment? New { get; }

    /// <summary>Shards that receive cells and own none before: created before copying, removed by a rollback.</summary>
    public IReadOnlyList<int> AddedShards =>
        Old is null || New is null ? []
        : to is not null ? [.. New.Shards.Where(kv => !kv.Value.IsEmpty && Old.CountOf(kv.Key) == 0).Select(kv => kv.Key)]
        : [.. Moves.Select(m => m.To).Distinct().Where(id => Old.CountOf(id) == 0).Order()];

    /// <summary>Shards that own cells before and none after: removed after cleanup.</summary>
    public IReadOnlyList<int> DrainedShards =>
        Old is null || New is null ? []
        : to is not null ? [.. Old.Shards.Where(kv => !kv.Value.IsEmpty && New.CountOf(kv.Key) == 0).Select(kv => kv.Key)]
        : [.. Moves.Select(m => m.From).Distinct().Where(id => New.CountOf(id) == 0).Order()];

    /// <summary>
    /// Which table of the migration <paramref name="table"/> is: a migration table by its id and rule; a stable table
    /// by who owns the moved cells (every move's cells on its source: StableOld; on its target: StableNew).
    /// </summary>
    public static MigrationTable? Classify(RoutingTable table, string migrationId, IReadOnlyList<CellMove> moves)
    {
        if (table.Migration is { } migration)
        {
            if (migration.Id != migrationId) return null;
            return migration.Rule switch
            {
                MigrationRule.ReadOldWriteBoth => MigrationTable.ReadOldWriteBoth,
                MigrationRule.ReadNewWriteBoth => MigrationTable.ReadNewWriteBoth,
                _ => MigrationTable.ReadNewWriteNew,
            };
        }

        var owners = table.OldAssignment();
        if (moves.All(m => owners.CellsOf(m.From).ContainsAll(m.Cells))) return MigrationTable.StableOld;
        if (moves.All(m => owners.CellsOf(m.To).ContainsAll(m.Cells))) return MigrationTable.StableNew;
        return null;
    }

    /// <summary>The table <paramref name="kind"/> of this migration with <paramref name="version"/>.</summary>
    public RoutingTable Build(MigrationTable kind, long version)
    {
        if (Old is null || New is null)
        {
            throw new InvalidOperationException($"routing table v{published.Version} belongs to no table of migration {MigrationId}; cannot build its tables");
        }

        if (from is not null && to is not null)
        {
            return kind switch
            {
                MigrationTable.StableOld => Create(version, Old, Owning(Old), null, from.Assigner),
                MigrationTable.StableNew => Create(version, New, Owning(New), null, to.Assigner),
                _ => Create(version, Old, Owning(Old).Union(Owning(New)), new TableMigration(MigrationId, Rule(kind), [], new Repartition(to.Assigner, New)), from.Assigner),
            };
        }

        return kind switch
        {
            MigrationTable.StableOld => Create(version, Old, Owning(Old), null),
            MigrationTable.StableNew => Create(version, New, Owning(New), null),
            _ => Create(version, Old, Owning(Old).Union(Moves.Select(m => m.To)).Union(Moves.Select(m => m.From)),
                new TableMigration(MigrationId, Rule(kind), Moves)),
        };
    }

    private static MigrationRule Rule(MigrationTable kind) => kind switch
    {
        MigrationTable.ReadOldWriteBoth => MigrationRule.ReadOldWriteBoth,
        MigrationTable.ReadNewWriteBoth => MigrationRule.ReadNewWriteBoth,
        MigrationTable.ReadNewWriteNew => MigrationRule.ReadNewWriteNew,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a stable table has no rule"),
    };

    private RoutingTable Create(long version, CellAssignment owners, IEnumerable<int> shards, TableMigration? migration, CellAssigner? assigner = null) =>
        RoutingTable.Create(published.Collection, published.Namespace, version, assigner ?? published.Assigner, published.Dimension, published.Distance,
            shards.Distinct().Order().Select(id => new RoutingShard(id, endpoint(id), owners.CellsOf(id))), migration);

    private static IEnumerable<int> Owning(CellAssignment owners) => owners.Shards.Where(s => !s.Value.IsEmpty).Select(s => s.Key);

    private static CellAssignment Trim(CellAssignment owners) =>
        new(owners.Slots, owners.Shards.Where(s => !s.Value.IsEmpty).ToDictionary(s => s.Key, s => s.Value));
}
