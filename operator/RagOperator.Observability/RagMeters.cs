namespace RagOperator.Observability;

/// <summary>
/// Names of the project's <see cref="System.Diagnostics.Metrics.Meter"/>s and <see cref="System.Diagnostics.ActivitySource"/>s.
/// Everything under <see cref="Prefix"/> is exported on <c>/metrics</c> and traced.
/// </summary>
public static class RagMeters
{
    public const string Prefix = "RagOperator";
    public const string Kubernetes = "RagOperator.Kubernetes";
    public const string Controller = "RagOperator.Controller";
    public const string Qdrant = "RagOperator.Qdrant";
    public const string Operator = "RagOperator.Operator";
    public const string Router = "RagOperator.Router";
    public const string Migration = "RagOperator.Migration";
}
