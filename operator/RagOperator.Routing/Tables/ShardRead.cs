using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// One shard a search must query, and the payload conditions that select the copies to read there.
/// <para><see cref="ExcludeCells"/>: cells whose points must be filtered out (for example with a <c>must_not</c> on
/// <c>_rag_cell</c>) because the shard holds copies that are not the ones to read; their keys are
/// <see cref="KeyOffset"/> + cell.</para>
/// <para><see cref="IncludeAny"/> (re-partitioning only): a point is read only when at least one of these conditions
/// holds, because the shard holds both numberings side by side.</para>
/// </summary>
public sealed record ShardRead(int ShardId, string Endpoint, CellSet ExcludeCells, long KeyOffset = 0, ImmutableArray<CellKeyCondition> IncludeAny = default)
{
    /// <summary>True when reads on this shard must be restricted to points matching <see cref="IncludeAny"/>.</summary>
    public bool HasInclude => !IncludeAny.IsDefaultOrEmpty;
}

/// <summary>"The payload field <paramref name="Field"/> holds the key of one of <paramref name="Cells"/>" (key = offset + cell).</summary>
public sealed record CellKeyCondition(string Field, CellSet Cells, long KeyOffset);
