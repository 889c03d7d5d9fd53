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
/// </summary>
public sealed class RoutingTable
{
    private readonly int[] oldOwner;
    private readonly int[] newOwner;
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
        if (migration is not null)
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

        writeTargets = BuildWriteTargets();
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
    public int NewOwner(int cell) => newOwner[CheckCell(cell)];

    public bool IsMoving(int cell) => oldOwner[CheckCell(cell)] != newOwner[cell];

    /// <summary>The shard a read of this cell's points goes to under the rule in force.</summary>
    public int ReadOwner(int cell) =>
        Migration is { Rule: MigrationRule.ReadOldWriteBoth } ? OldOwner(cell) : NewOwner(cell);

    /// <summary>
    /// The shards a write to this cell must reach before it is acknowledged: the owner; for a moving cell the old
    /// and the new owner (old first) under the write-both rules, and only the new owner under ReadNewWriteNew.
    /// </summary>
    public ImmutableArray<int> WriteTargets(int cell) => writeTargets[CheckCell(cell)];

    /// <summary>The cells reads are served from on a shard under the rule in force.</summary>
    public CellSet ReadableCells(int shardId) => readableByShard.TryGetValue(shardId, out var cells) ? cells : CellSet.Empty;

    /// <summary>The whole read plan (all cells); the one a hash search uses.</summary>
    public ImmutableArray<ShardRead> ShardReadPlan() => ReadPlan;

    /// <summary>The shards to query for a search that probes only some cells (the semantic strategy's nprobe).</summary>
    public ImmutableArray<ShardRead> ShardReadPlan(CellSet probeCells) =>
        [.. ReadPlan.Where(read => ReadableCells(read.ShardId).Overlaps(probeCells))];

    /// <summary>Ownership before the migration.</summary>
    public CellAssignment OldAssignment() =>
        new(CellCount, Shards.ToDictionary(s => s.Id, s => s.Cells));

    /// <summary>Ownership after the migration (the same as <see cref="OldAssignment"/> for a stable table).</summary>
    public CellAssignment NewAssignment() =>
        Migration is null ? OldAssignment() : RebalancePlanner.ApplyMoves(OldAssignment(), Migration.Moves);

    /// <summary>A table with a migration started under <see cref="MigrationRule.ReadOldWriteBoth"/> (or the given rule).</summary>
    public RoutingTable StartMigration(long version, string migrationId, IEnumerable<CellMove> moves, MigrationRule rule = MigrationRule.ReadOldWriteBoth)
    {
        if (Migration is not null)
        {
            throw new InvalidOperationException($"routing table {Collection} v{Version} already has migration {Migration.Id}");
        }

        return Next(version, Shards, new TableMigration(migrationId, rule, [.. moves]));
    }

    /// <summary>The same migration under another rule.</summary>
    public RoutingTable WithRule(long version, MigrationRule rule) =>
        Next(version, Shards, (Migration ?? throw new InvalidOperationException($"routing table {Collection} v{Version} has no migration")).WithRule(rule));

    /// <summary>The stable table after cleanup: the new ownership, no migration. Drained shards stay, owning nothing.</summary>
    public RoutingTable CompleteMigration(long version)
    {
        var owners = NewAssignment();
        return Next(version, Shards.Select(s => s with { Cells = owners.CellsOf(s.Id) }), null);
    }

    /// <summary>The stable table of a rollback: the old ownership, no migration.</summary>
    public RoutingTable AbandonMigration(long version) => Next(version, Shards, null);

    /// <summary>The same ownership and migration over another list of shards (add a new shard, drop a drained one).</summary>
    public RoutingTable WithShards(long version, IEnumerable<RoutingShard> shards) => Next(version, shards, Migration);

    private RoutingTable Next(long version, IEnumerable<RoutingShard> shards, TableMigration? migration)
    {
        if (version <= Version)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, $"a new routing table needs a version above {Version}");
        }

        return Create(Collection, Namespace, version, Assigner, Dimension, Distance, shards, migration);
    }

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
                plan.Add(new ShardRead(shard.Id, shard.Endpoint, exclude));
            }
        }

        return (plan.ToImmutable(), readable.ToFrozenDictionary());
    }
}
