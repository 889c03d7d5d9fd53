using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// How the simulated controllers read and write: straight through the API operations (no HTTP, no faults, not
/// counted as requests), under their own field managers. Races with other writers surface as Conflict or
/// NotFound and are simply left for the next pass, as a level-triggered controller would.
/// </summary>
internal sealed class SimulatorClient(ApiOperations operations)
{
    public ObjectStore Store => operations.Store;

    public IReadOnlyList<JsonObject> List(string resource) => operations.Store.List(resource);

    public bool Create(string resource, JsonObject obj, string manager) =>
        Try(() => operations.Create(Resolve(resource), Meta.Namespace(obj), obj, new WriteOptions(manager)));

    public bool Update(string resource, JsonObject obj, string manager) =>
        Try(() => operations.Update(Resolve(resource), Meta.Namespace(obj), Meta.Name(obj)!, obj, null, new WriteOptions(manager)));

    public bool UpdateStatus(string resource, JsonObject obj, string manager) =>
        Try(() => operations.Update(Resolve(resource), Meta.Namespace(obj), Meta.Name(obj)!, obj, "status", new WriteOptions(manager)));

    public bool Delete(string resource, string? ns, string name, string? uid = null) =>
        Try(() => operations.Delete(Resolve(resource), ns, name, new DeleteOptions(PreconditionUid: uid)));

    private ResolvedResource Resolve(string resource)
    {
        var definition = operations.Registry.Find(resource) ?? throw new InvalidOperationException($"unknown resource {resource}");
        return new ResolvedResource(definition, definition.StorageVersion);
    }

    private static bool Try(Func<WriteOutcome> write)
    {
        try
        {
            return write().Committed;
        }
        catch (ApiStatusException e) when (e.Code is 404 or 409 or 422)
        {
            return false;
        }
    }
}
