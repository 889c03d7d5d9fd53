using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// The migration block of a routing table: its id, the rule in force and either the moves of whole cells or, for a
/// re-partitioning, the <see cref="Next"/> partition (then <see cref="Moves"/> is empty).
/// </summary>
public sealed record TableMigration(string Id, MigrationRule Rule, ImmutableArray<CellMove> Moves, Repartition? Next = null)
{
    public bool IsRepartition => Next is not null;

    public TableMigration WithRule(MigrationRule rule) => this with { Rule = rule };
}
