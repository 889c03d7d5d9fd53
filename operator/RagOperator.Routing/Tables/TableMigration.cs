using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>The migration block of a routing table: its id, the rule in force and the moves.</summary>
public sealed record TableMigration(string Id, MigrationRule Rule, ImmutableArray<CellMove> Moves)
{
    public TableMigration WithRule(MigrationRule rule) => this with { Rule = rule };
}
