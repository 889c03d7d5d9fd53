namespace RagOperator.Routing;

/// <summary>A move of whole cells from one shard to another; the unit of a rebalancing plan.</summary>
public sealed record CellMove(CellSet Cells, int From, int To)
{
    public override string ToString() => $"{Cells} : {From} -> {To}";
}
