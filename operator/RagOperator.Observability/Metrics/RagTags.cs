namespace RagOperator.Observability.Metrics;

/// <summary>
/// Tag keys of the catalogued instruments (<see cref="RagInstruments"/>), as the dashboard filters on them.
/// A collection's namespace is <see cref="CollectionNamespace"/>, never <c>namespace</c>: Prometheus attaches the
/// scraped pod's own <c>namespace</c> target label and would rename a clashing tag to <c>exported_namespace</c>.
/// </summary>
public static class RagTags
{
    public const string CollectionNamespace = "collection_namespace";
    public const string Collection = "collection";
    public const string Shard = "shard";
    public const string Phase = "phase";
    public const string Endpoint = "endpoint";
    public const string Code = "code";
    public const string Kind = "kind";
    public const string Operation = "operation";
    public const string Outcome = "outcome";
}
