using System.Collections.Frozen;
using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// One immutable, validated version of a collection's routing table, with the routing decisions derived from it.
/// The JSON document (camelCase) is:
/// <code>
/// { "collection": "docs", "namespace": "default", "version": 7, "strategy": "hash", "hash": { "slots": 16384 },
///   "dimension": 384, "distance": "Cosine",
///   "shards": [ { "id": 0, "endpoint": "http://docs-shard-0.default.svc:6333", "cells": "0-8191" } ],
///   "migration": null | { "id": "docs-2to3-v7", "rule": "ReadOldWriteBoth", "moves": [ { "cells": "5461-8191", "from": 0, "to": 2 } ] } }
/// </code>
/// <para><c>shards[].cells</c> is always the ownership before the migration; <c>migration.moves</c> name the new
/// owner of the moved cells. Every cell is owned by exactly one shard; a shard may own none (a new shard before
/// cut-over, or a drained one). After cleanup the operator publishes a stable table (no migration) whose
/// <c>shards[].cells</c> is the new ownership.</para>
/// <para>Routing under each rule, for a moved cell (unmoved cells are read and written on their owner):
/// ReadOldWriteBoth reads the old owner and writes both; ReadNewWriteBoth reads the new owner and writes both;
/// ReadNewWriteNew reads and writes the new owner only, and since the old owners keep stale copies until cleanup,
/// searches keep excluding the moved cells on the sources.</para>
/// <para><b>Re-partitioning</b> (<c>migration.next</c>, no moves): the table carries a second assigner and its
/// ownership (<see cref="Repartition"/>), e.g. the first trained semantic partition after the provisional hash one.
/// Every point has an old owner (its cell under <see cref="Assigner"/>, owned per <c>shards[].cells</c>) and a new owner
/// (its cell under the next assigner, owned per <c>migration.next.shards</c>); <see cref="Route"/> applies the same rule
/// to that pair. Writes stamp <c>_rag_cell</c> with the new key and <c>_rag_prev_cell</c> with the old one, so shards
/// can hold both numberings at once: reads under ReadOldWriteBoth select, on each old owner, the points whose
/// <c>_rag_cell</c> or <c>_rag_prev_cell</c> is one of its old keys; under the read-new rules, the points whose
/// <c>_rag_cell</c> is one of its new keys. The per-cell methods (<see cref="NewOwner"/>, <see cref="WriteTargets"/>,
/// ...) have no meaning for such a table and throw; use <see cref="Route"/>.</para>
/// </summary>
public sealed class RoutingTable
{
    private readonly int[] oldOwner;
    private readonly int[] newOwner;
    private readonly int[]? nextOwner;
    private readonly ImmutableArray<int>[] writeTargets;
    private readonly FrozenDictionary<int, RoutingShard> shardsById;
    private readonly FrozenDictionary<int, CellSet> readableByShard;
    private string? compactJson;

    private RoutingTable(
        string collection, string @namespace, long version, CellAssigner assigner, int dimension, Distance distance,
        ImmutableArray<RoutingShard> shards, TableMigration? migration)
    {
        Collection = collection;
        Namespace = @namespace;
        Version = version;
        Assigner = assigner;
        Dimension = dimension;
        Distance = distance;
        Shards = shards;
        Migration = migration;
        shardsById = shards.ToFrozenDictionary(s => s.Id);

        oldOwner = new int[assigner.CellCount];
        foreach (var shard in shards)
        {
            foreach (var range in shard.Cells.Ranges)
            {
                oldOwner.AsSpan(range.Start, range.Count).Fill(shard.Id);
            }
        }

        newOwner = oldOwner;
        if (migration?.Next is { } next)
        {
            nextOwner = next.Ownership.OwnerByCell();
        }
        else if (migration is not null)
        {
            newOwner = (int[])oldOwner.Clone();
            foreach (var move in migration.Moves)
            {
                foreach (var range in move.Cells.Ranges)
                {
                    newOwner.AsSpan(range.Start, range.Count).Fill(move.To);
                }
            }
        }

        writeTargets = nextOwner is null ? BuildWriteTargets() : [];
        (ReadPlan, readableByShard) = BuildReadPlan();
    }

    public string Collection { get; }

    public string Namespace { get; }

    /// <summary>Monotonically increasing; routers accept only a higher version than the one they serve.</summary>
    public long Version { get; }

    public CellAssigner Assigner { get; }

    public string Strategy => Assigner.Strategy;

    public int CellCount => Assigner.CellCount;

    public int Dimension { get; }

    public Distance Distance { get; }

    /// <summary>The shards in id order, with their pre-migration ownership.</summary>
    public ImmutableArray<RoutingShard> Shards { get; }

    /// <summary>The migration in progress, or null for a stable table.</summary>
    public TableMigration? Migration { get; }

    public bool IsStable => Migration is null;

    /// <summary>True while the table moves points to another partition (<c>migration.next</c>).</summary>
    public bool IsRepartition => Migration?.Next is not null;

    /// <summary>True when a point's owner depends on its vector (so a delete by id cannot be routed to one shard).</summary>
    public bool CellDependsOnVector => Assigner.CellDependsOnVector || Migration?.Next?.Assigner.CellDependsOnVector == true;

    /// <summary>
    /// The assigner whose cells reads are planned in: the next one during a re-partition once reads go to the new
    /// owners, the table's own otherwise. <see cref="ReadableCells"/> and <see cref="ShardReadPlan(CellSet)"/> speak its cells.
    /// </summary>
    public CellAssigner ReadAssigner => Migration is { Next: { } next, Rule: not MigrationRule.ReadOldWriteBoth } ? next.Assigner : Assigner;

    /// <summary>Every shard a search over all cells must query, with the cells to exclude on it.</summary>
    public ImmutableArray<ShardRead> ReadPlan { get; }

    /// <summary>Validates the parts and builds the table; throws <see cref="RoutingTableException"/> naming every problem.</summary>
    public static RoutingTable Create(
        string collection, string @namespace, long version, CellAssigner assigner, int dimension, Distance distance,
        IEnumerable<RoutingShard> shards, TableMigration? migration = null)
    {
        var shardList = shards.OrderBy(s => s.Id).ToImmutableArray();
        var normalizedMigration = migration is null
            ? null
            : migration with { Moves = [.. migration.Moves.OrderBy(m => m.Cells.IsEmpty ? -1 : m.Cells.Min).ThenBy(m => m.From).ThenBy(m => m.To)] };
        var problems = new List<string>();
        RoutingTableValidator.Check(collection, @namespace, version, assigner, dimension, distance, shardList, normalizedMigration, problems);
        if (problems.Count > 0)
        {
            throw RoutingTableValidator.Fail(collection, version, problems);
        }

        return new RoutingTable(collection, @namespace, version, assigner, dimension, distance, shardList, normalizedMigration);
    }

    /// <summary>Parses and validates a routing table document; throws <see cref="RoutingTableException"/> naming every problem.</summary>
    public static RoutingTable Parse(string json) => RoutingTableJson.Parse(json);

    public static bool TryParse(string json, out RoutingTable? table, out RoutingTableException? error)
    {
        try
        {
            table = Parse(json);
            error = null;
            return true;
        }
        catch (RoutingTableException ex)
        {
            table = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Every problem of a routing table document; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(string json) =>
        TryParse(json, out _, out var error) ? [] : error!.Problems;

    /// <summary>
    /// Re-checks the invariants of this table. Tables are validated when built, so this only fails if the
    /// invariants themselves are broken; the holder calls it before serving a table as a last line of defence.
    /// </summary>
    public void Validate()
    {
        var problems = new List<string>();
        RoutingTableValidator.Check(Collection, Namespace, Version, Assigner, Dimension, Distance, Shards, Migration, problems);
        if (problems.Count > 0)
        {
            throw RoutingTableValidator.Fail(Collection, Version, problems);
        }
    }

    /// <summary>The document as JSON: fixed property order, shards by id, moves by first cell, so equal tables give equal text.</summary>
    public string ToJson(bool indented = true) =>
        indented ? RoutingTableJson.Write(this, indented: true) : compactJson ??= RoutingTableJson.Write(this, indented: false);

    /// <summary>True when both tables are the same document (same version and content).</summary>
    public bool SameDocumentAs(RoutingTable other) => string.Equals(ToJson(false), other.ToJson(false), StringComparison.Ordinal);

    public RoutingShard Shard(int id) =>
        shardsById.TryGetValue(id, out var shard) ? shard : throw new KeyNotFoundException($"shard {id} is not in routing table {Collection} v{Version}");

    public bool TryGetShard(int id, out RoutingShard? shard) => shardsById.TryGetValue(id, out shard);

    /// <summary>The cell of a point id; for strategies whose cells depend only on the id (hash).</summary>
    public int CellOf(PointKey id) => Assigner.CellDependsOnVector
        ? throw new InvalidOperationException($"strategy {Strategy} needs the vector to find a point's cell")
        : Assigner.CellOf(id, []);

    public int CellOf(PointKey id, ReadOnlySpan<float> vector) => Assigner.CellOf(id, vector);

    /// <summary>The owner of the cell before the migration (the only owner in a stable table).</summary>
    public int OldOwner(int cell) => oldOwner[CheckCell(cell)];

    /// <summary>The owner of the cell after the migration (the only owner in a stable table).</summary>
    public int NewOwner(int cell) => newOwner[CheckCell(NotRepartition(cell))];

    public bool IsMoving(int cell) => oldOwner[CheckCell(NotRepartition(cell))] != newOwner[cell];

    /// <summary>The shard a read of this cell's points goes to under the rule in force.</summary>
    public int ReadOwner(int cell) =>
        Migration is { Rule: MigrationRule.ReadOldWriteBoth } ? OldOwner(NotRepartition(cell)) : NewOwner(cell);

    /// <summary>
    /// The shards a write to this cell must reach before it is acknowledged: the owner; for a moving cell the old
    /// and the new owner (old first) under the write-both rules, and only the new owner under ReadNewWriteNew.
    /// </summary>
    public ImmutableArray<int> WriteTargets(int cell) => writeTargets[CheckCell(NotRepartition(cell))];

    /// <summary>
    /// Where a point is written and what it is stamped with, for every kind of table: the owner of its cell, both
    /// owners of a moving cell under the write-both rules, and during a re-partition its old and new owner (the
    /// new one alone under ReadNewWriteNew, or when both are the same shard).
    /// </summary>
    public PointRoute Route(PointKey id, ReadOnlySpan<float> vector)
    {
        var cell = Assigner.CellOf(id, vector);
        if (Migration?.Next is not { } next)
        {
            return new PointRoute(cell, Assigner.Key(cell), null, WriteTargets(cell));
        }

        var nextCell = next.Assigner.CellOf(id, vector);
        var from = oldOwner[cell];
        var to = nextOwner![nextCell];
        ImmutableArray<int> targets = from == to || Migration.Rule == MigrationRule.ReadNewWriteNew ? [to] : [from, to];
        return new PointRoute(nextCell, next.Assigner.Key(nextCell), Assigner.Key(cell), targets);
    }

    /// <summary>The owner of a next-partition cell during a re-partition.</summary>
    public int NextOwner(int nextCell) => nextOwner is null
        ? throw new InvalidOperationException($"routing table {Collection} v{Version} is not a re-partition")
        : nextOwner[nextCell];

    /// <summary>The cells (of <see cref="ReadAssigner"/>) reads are served from on a shard under the rule in force.</summary>
    public CellSet ReadableCells(int shardId) => readableByShard.TryGetValue(shardId, out var cells) ? cells : CellSet.Empty;

    /// <summary>The whole read plan (all cells); the one a hash search uses.</summary>
    public ImmutableArray<ShardRead> ShardReadPlan() => ReadPlan;

    /// <summary>The shards to query for a search that probes only some cells (the semantic strategy's nprobe).</summary>
    public ImmutableArray<ShardRead> ShardReadPlan(CellSet probeCells) =>
        [.. ReadPlan.Where(read => ReadableCells(read.ShardId).Overlaps(probeCells))];

    /// <summary>Ownership before the migration.</summary>
    public CellAssignment OldAssignment() =>
        new(CellCount, Shards.ToDictionary(s => s.Id, s => s.Cells));

    /// <summary>
    /// Ownership after the migration (the same as <see cref="OldAssignment"/> for a stable table); for a re-partition,
    /// the next partition's ownership of its own cells.
    /// </summary>
    public CellAssignment NewAssignment() =>
        Migration is null ? OldAssignment()
        : Migration.Next is { } next ? next.Ownership
        : RebalancePlanner.ApplyMoves(OldAssignment(), Migration.Moves);

    /// <summary>A table with a migration started under <see cref="MigrationRule.ReadOldWriteBoth"/> (or the given rule).</summary>
    public RoutingTable StartMigration(long version, string migrationId, IEnumerable<CellMove> moves, MigrationRule rule = MigrationRule.ReadOldWriteBoth)
    {
        if (Migration is not null)
        {
            throw new InvalidOperationException($"routing table {Collection} v{Version} already has migration {Migration.Id}");
        }

        return Next(version, Shards, new TableMigration(migrationId, rule, [.. moves]));
    }

    /// <summary>A table that starts re-partitioning to <paramref name="next"/> under <see cref="MigrationRule.ReadOldWriteBoth"/> (or the given rule).</summary>
    public RoutingTable StartRepartition(long version, string migrationId, Repartition next, MigrationRule rule = MigrationRule.ReadOldWriteBoth)
    {
        if (Migration is not null)
        {
            throw new InvalidOperationException($"routing table {Collection} v{Version} already has migration {Migration.Id}");
        }

        return Next(version, Shards, new TableMigration(migrationId, rule, [], next));
    }

    /// <summary>The same stable ownership with an equivalent assigner (for example another default nprobe).</summary>
    public RoutingTable WithAssigner(long version, CellAssigner assigner)
    {
        if (assigner.CellCount != CellCount || assigner.KeyOffset != Assigner.KeyOffset)
        {
            throw new ArgumentException("the assigner must keep the cells and their keys", nameof(assigner));
        }

        return Next(version, Shards, Migration, assigner);
    }

    /// <summary>The same migration under another rule.</summary>
    public RoutingTable WithRule(long version, MigrationRule rule) =>
        Next(version, Shards, (Migration ?? throw new InvalidOperationException($"routing table {Collection} v{Version} has no migration")).WithRule(rule));

    /// <summary>The stable table after cleanup: the new ownership, no migration. Drained shards stay, owning nothing.</summary>
    public RoutingTable CompleteMigration(long version)
    {
        var owners = NewAssignment();
        return Next(version, Shards.Select(s => s with { Cells = owners.CellsOf(s.Id) }), null, Migration?.Next?.Assigner);
    }

    /// <summary>The stable table of a rollback: the old ownership, no migration.</summary>
    public RoutingTable AbandonMigration(long version) => Next(version, Shards, null);

    /// <summary>The same ownership and migration over another list of shards (add a new shard, drop a drained one).</summary>
    public RoutingTable WithShards(long version, IEnumerable<RoutingShard> shards) => Next(version, shards, Migration);

    private RoutingTable Next(long version, IEnumerable<RoutingShard> shards, TableMigration? migration, CellAssigner? assigner = null)
    {
        if (version <= Version)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, $"a new routing table needs a version above {Version}");
        }

        return Create(Collection, Namespace, version, assigner ?? Assigner, Dimension, Distance, shards, migration);
    }

    private int NotRepartition(int cell) => nextOwner is null
        ? cell
        : throw new InvalidOperationException($"routing table {Collection} v{Version} re-partitions: a point's owners depend on its vector; use Route");

    private int CheckCell(int cell) => (uint)cell < (uint)oldOwner.Length
        ? cell
        : throw new ArgumentOutOfRangeException(nameof(cell), cell, $"cells are 0-{oldOwner.Length - 1}");

    private ImmutableArray<int>[] BuildWriteTargets()
    {
        // Cells share one array per distinct target list, so a table costs one reference per cell.
        var shared = new Dictionary<(int, int), ImmutableArray<int>>();
        var targets = new ImmutableArray<int>[oldOwner.Length];
        for (var cell = 0; cell < targets.Length; cell++)
        {
            var (from, to) = (oldOwner[cell], newOwner[cell]);
            if (from != to && Migration!.Rule == MigrationRule.ReadNewWriteNew)
            {
                from = to;
            }

            if (!shared.TryGetValue((from, to), out var list))
            {
                list = from == to ? [from] : [from, to];
                shared[(from, to)] = list;
            }

            targets[cell] = list;
        }

        return targets;
    }

    private (ImmutableArray<ShardRead> Plan, FrozenDictionary<int, CellSet> Readable) BuildReadPlan()
    {
        if (Migration?.Next is { } next)
        {
            return BuildRepartitionReadPlan(Migration.Rule, next);
        }

        var plan = ImmutableArray.CreateBuilder<ShardRead>();
        var readable = new Dictionary<int, CellSet>();
        foreach (var shard in Shards)
        {
            var outgoing = CellSet.FromRanges(Migration?.Moves.Where(m => m.From == shard.Id).SelectMany(m => m.Cells.Ranges) ?? []);
            var incoming = CellSet.FromRanges(Migration?.Moves.Where(m => m.To == shard.Id).SelectMany(m => m.Cells.Ranges) ?? []);
            var (reads, exclude) = Migration?.Rule switch
            {
                null => (shard.Cells, CellSet.Empty),

                // Targets already hold (partial) copies of incoming cells; the sources are still authoritative.
                MigrationRule.ReadOldWriteBoth => (shard.Cells, incoming),

                // Sources keep copies of outgoing cells until cleanup; the targets are authoritative.
                _ => (shard.Cells.Except(outgoing).Union(incoming), outgoing),
            };

            readable[shard.Id] = reads;
            if (!reads.IsEmpty)
            {
                plan.Add(new ShardRead(shard.Id, shard.Endpoint, exclude, Assigner.KeyOffset));
            }
        }

        return (plan.ToImmutable(), readable.ToFrozenDictionary());
    }

    /// <summary>
    /// Reads of a re-partition: the old owners, selecting the points stamped with one of their old keys (in
    /// <c>_rag_cell</c> before the point was re-stamped, in <c>_rag_prev_cell</c> after), until the cut-over; then the
    /// new owners, selecting the points whose <c>_rag_cell</c> is one of their new keys.
    /// </summary>
    private (ImmutableArray<ShardRead> Plan, FrozenDictionary<int, CellSet> Readable) BuildRepartitionReadPlan(MigrationRule rule, Repartition next)
    {
        var plan = ImmutableArray.CreateBuilder<ShardRead>();
        var readable = new Dictionary<int, CellSet>();
        foreach (var shard in Shards)
        {
            CellSet reads;
            ImmutableArray<CellKeyCondition> include;
            if (rule == MigrationRule.ReadOldWriteBoth)
            {
                reads = shard.Cells;
                include = [new CellKeyCondition(PayloadFields.Cell, reads, Assigner.KeyOffset), new CellKeyCondition(PayloadFields.PreviousCell, reads, Assigner.KeyOffset)];
            }
            else
            {
                reads = next.Ownership.CellsOf(shard.Id);
                include = [new CellKeyCondition(PayloadFields.Cell, reads, next.Assigner.KeyOffset)];
            }

            readable[shard.Id] = reads;
            if (!reads.IsEmpty)
            {
                plan.Add(new ShardRead(shard.Id, shard.Endpoint, CellSet.Empty, 0, include));
            }
        }

        return (plan.ToImmutable(), readable.ToFrozenDictionary());
    }
}
