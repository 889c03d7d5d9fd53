namespace RagOperator.Routing;

/// <summary>
/// The collection's similarity function, spelled as Qdrant spells it. Qdrant returns a similarity for Cosine and
/// Dot (higher is better) and the distance itself for Euclid and Manhattan (lower is better).
/// </summary>
public enum Distance
{
    Cosine,
    Dot,
    Euclid,
    Manhattan,
}

public static class DistanceExtensions
{
    /// <summary>True when a higher score is a better match.</summary>
    public static bool HigherIsBetter(this Distance distance) => distance switch
    {
        Distance.Cosine or Distance.Dot => true,
        Distance.Euclid or Distance.Manhattan => false,
        _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, "unknown distance"),
    };
}
