using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The /scale subresource of custom resources that declare one (autoscaling/v1 Scale), as <c>kubectl scale</c>, an HPA
/// or KEDA use it: GET shows the desired count (specReplicasPath), the current one (statusReplicasPath) and the label
/// selector; PUT and merge/JSON patches change only the desired count, through an ordinary update of the object
/// (validation, generation, watch events). Differences from the real server: server-side apply on /scale is refused
/// (nothing here sends it), and a strategic merge patch is read as a merge patch (Scale has no lists).
/// </summary>
internal sealed partial class ApiOperations
{
    private const int ScaleAttempts = 5;

    public JsonObject GetScale(ResolvedResource resource, string? ns, string name) => ScaleOf(resource, Get(resource, ns, name));

    /// <summary>PUT: with metadata.resourceVersion the update is conditional, as on the object; without, it applies to the latest.</summary>
    public WriteOutcome UpdateScale(ResolvedResource resource, string? ns, string name, JsonObject scale, WriteOptions write) =>
        ScaleTo(resource, ns, name, _ => scale, write);

    public WriteOutcome PatchScale(ResolvedResource resource, string? ns, string name, PatchType type, string body, WriteOptions write)
    {
        if (type == PatchType.Apply)
        {
            throw ApiErrors.BadRequest("this server accepts merge, strategic merge and JSON patches on /scale, not apply patches");
        }

        var patch = JsonTree.ParseBody(body);
        return ScaleTo(resource, ns, name, current =>
        {
            var patched = type == PatchType.Json ? JsonPatch.Apply(current, patch) : JsonMergePatch.Apply(current, patch);
            return patched as JsonObject ?? throw ApiErrors.BadRequest("the patch produced a document that is not a JSON object");
        }, write);
    }

    private WriteOutcome ScaleTo(ResolvedResource resource, string? ns, string name, Func<JsonObject, JsonObject> desired, WriteOptions write)
    {
        var paths = resource.Version.Scale!;
        for (var attempt = 1; ; attempt++)
        {
            var current = Get(resource, ns, name);
            var scale = desired(ScaleOf(resource, current));
            var requested = Meta.ResourceVersion(scale);
            if (!string.IsNullOrEmpty(requested) && requested != Meta.ResourceVersion(current))
            {
                throw ApiErrors.StaleResourceVersion(resource.Definition, name);
            }

            if (JsonTree.GetLong(JsonTree.At(scale, "spec", "replicas")) is not { } replicas || replicas is < 0 or > int.MaxValue)
            {
                throw ApiErrors.Invalid(resource.Definition, name,
                    new FieldViolation("spec.replicas", "FieldValueInvalid", "must be greater than or equal to 0", JsonTree.At(scale, "spec", "replicas")?.ToJsonString() ?? "null"));
            }

            var updated = JsonTree.Clone(current);
            Set(updated, paths.SpecReplicasPath, JsonValue.Create(replicas));
            try
            {
                var outcome = Update(resource, ns, name, updated, subresource: null, write);
                return outcome with { Object = ScaleOf(resource, outcome.Object) };
            }
            catch (ApiStatusException e) when (e.Code == 409 && string.IsNullOrEmpty(requested) && attempt < ScaleAttempts)
            {
                // An unconditional scale applies to whatever the object is now: read it again.
            }
        }
    }

    private static JsonObject ScaleOf(ResolvedResource resource, JsonObject obj)
    {
        var paths = resource.Version.Scale!;
        var metadata = new JsonObject { ["name"] = Meta.Name(obj) };
        if (Meta.Namespace(obj) is { } ns) metadata["namespace"] = ns;
        metadata["uid"] = Meta.Uid(obj);
        metadata["resourceVersion"] = Meta.ResourceVersion(obj);
        if (JsonTree.At(obj, "metadata", "creationTimestamp") is { } created) metadata["creationTimestamp"] = created.DeepClone();
        var status = new JsonObject { ["replicas"] = JsonTree.GetLong(At(obj, paths.StatusReplicasPath)) ?? 0 };
        if (paths.LabelSelectorPath is { } selectorPath && JsonTree.GetString(At(obj, selectorPath)) is { } selector) status["selector"] = selector;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["replicas"] = JsonTree.GetLong(At(obj, paths.SpecReplicasPath)) ?? 0 },
            ["status"] = status,
        };
    }

    private static string[] Segments(string path) => path.TrimStart('.').Split('.');

    private static JsonNode? At(JsonObject obj, string path) => JsonTree.At(obj, Segments(path));

    private static void Set(JsonObject obj, string path, JsonNode value)
    {
        var segments = Segments(path);
        var parent = obj;
        foreach (var segment in segments[..^1]) parent = JsonTree.Child(parent, segment);
        parent[segments[^1]] = value;
    }
}
