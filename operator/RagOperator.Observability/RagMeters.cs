namespace RagOperator.Observability;

/// <summary>
/// Names under which the project's components publish through <see cref="System.Diagnostics"/>: every
/// <see cref="System.Diagnostics.ActivitySource"/> under <see cref="Prefix"/> is traced. Metrics are prometheus-net
/// instruments (see <see cref="Metrics.RagInstruments"/>); the one <see cref="System.Diagnostics.Metrics.Meter"/> left
/// is the Qdrant client library's, forwarded by <see cref="Metrics.QdrantClientMeterBridge"/>.
/// </summary>
public static class RagMeters
{
    public const string Prefix = "RagOperator";
    public const string Qdrant = "RagOperator.Qdrant";
}
