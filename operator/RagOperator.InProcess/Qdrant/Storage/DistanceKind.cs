namespace RagOperator.InProcess.Qdrant.Storage;

internal enum DistanceKind
{
    Cosine,
    Euclid,
    Dot,
    Manhattan,
}

internal static class DistanceKinds
{
    public static bool TryParse(string? text, out DistanceKind kind)
    {
        switch (text)
        {
            case "Cosine": kind = DistanceKind.Cosine; return true;
            case "Euclid": kind = DistanceKind.Euclid; return true;
            case "Dot": kind = DistanceKind.Dot; return true;
            case "Manhattan": kind = DistanceKind.Manhattan; return true;
            default: kind = default; return false;
        }
    }

    public static string Name(DistanceKind kind) => kind.ToString();

    /// <summary>Cosine and Dot: larger is better. Euclid and Manhattan: smaller (a distance) is better.</summary>
    public static bool LargerIsBetter(DistanceKind kind) => kind is DistanceKind.Cosine or DistanceKind.Dot;
}
