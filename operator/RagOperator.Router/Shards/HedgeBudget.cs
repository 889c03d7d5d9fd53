namespace RagOperator.Router.Shards;

/// <summary>
/// Caps a shard's hedges at a share of its searches (a token bucket: every search adds <see cref="Ratio"/> of a token,
/// every hedge takes one, at most <see cref="Burst"/> saved). When a shard is slow because it is busy, most of its
/// calls pass the p95 at once; hedging them all would double its load just then. Out of budget, a search is hedged
/// only when its first attempt fails.
/// </summary>
public sealed class HedgeBudget(double ratio, double burst)
{
    private readonly Lock gate = new();
    private double tokens = burst;

    public double Ratio { get; } = ratio;

    public double Burst { get; } = burst;

    /// <summary>Counts one search.</summary>
    public void Deposit()
    {
        lock (gate)
        {
            tokens = Math.Min(Burst, tokens + Ratio);
        }
    }

    /// <summary>Takes a token for one hedge; false when the budget is spent.</summary>
    public bool TryWithdraw()
    {
        lock (gate)
        {
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }
    }
}
