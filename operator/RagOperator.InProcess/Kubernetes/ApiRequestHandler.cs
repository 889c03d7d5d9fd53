using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>The HTTP face of the server: parses Kubernetes REST requests, applies faults, calls the operations, writes JSON.</summary>
internal sealed class ApiRequestHandler(
    ApiOperations operations,
    FaultInjector faults,
    ServerActivity activity,
    InProcessApiServerOptions options,
    CancellationToken stopping)
{
    private static readonly HashSet<string> MutatingVerbs = ["create", "update", "patch", "delete", "deletecollection"];

    public async Task HandleAsync(HttpContext context)
    {
        var record = new RequestRecord("unknown", "", null, null, null, 500, false);
        var mutating = false;
        try
        {
            Authenticate(context.Request);
            var path = context.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/readyz" or "/livez")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                record = record with { Verb = "get", StatusCode = 200 };
                return;
            }

            if (context.Request.Method == HttpMethods.Get && Discovery.Document(path, operations.Registry, options.KubernetesVersion) is { } document)
            {
                record = record with { Verb = "discovery", StatusCode = 200 };
                await WriteJsonAsync(context, 200, document);
                return;
            }

            var apiPath = ApiPath.Parse(path) ?? throw ApiErrors.ResourceNotFound();
            var resource = operations.Registry.Resolve(apiPath.Group, apiPath.Version, apiPath.Resource) ?? throw ApiErrors.ResourceNotFound();
            var definition = resource.Definition;
            var verb = VerbOf(context.Request, apiPath);
            mutating = MutatingVerbs.Contains(verb);
            record = new RequestRecord(verb, definition.GroupResource, apiPath.Namespace, apiPath.Name, apiPath.Subresource, 500, false);

            if ((definition.Namespaced && apiPath.Namespace is null && (apiPath.Name is not null || verb is "create" or "deletecollection"))
                || (!definition.Namespaced && apiPath.Namespace is not null)
                || (apiPath.Subresource is not null
                    && !(apiPath.Subresource == "status" && resource.Version.HasStatusSubresource)
                    && !(apiPath.Subresource == "scale" && resource.Version.Scale is not null)))
            {
                throw ApiErrors.ResourceNotFound();
            }

            if (apiPath.Subresource is not null && verb is not ("get" or "update" or "patch"))
            {
                throw ApiErrors.MethodNotAllowed(context.Request.Method);
            }

            var fault = faults.Evaluate(verb, definition.GroupResource, apiPath.Namespace, apiPath.Name, apiPath.Subresource, definition.GroupResource);
            if (fault.Latency > TimeSpan.Zero)
            {
                await Task.Delay(fault.Latency, context.RequestAborted);
            }

            if (fault.Error is not null)
            {
                throw fault.Error;
            }

            if (verb == "watch")
            {
                record = record with { StatusCode = 200 };
                await new WatchStream(operations.Store, options, activity, stopping).ServeAsync(context, resource, apiPath, fault.DropWatchAfterEvents);
                return;
            }

            var (status, body, committed) = await ExecuteAsync(context, resource, apiPath, verb);
            record = record with { StatusCode = status, Committed = committed };
            await WriteJsonAsync(context, status, body);
        }
        catch (ApiStatusException e)
        {
            record = record with { StatusCode = e.Code };
            if (!context.Response.HasStarted)
            {
                if (e.RetryAfterSeconds is { } retry)
                {
                    context.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                }

                await WriteJsonAsync(context, e.Code, e.ToStatus());
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in this server still answers as the real one does for internal errors: a Status, code 500.
            record = record with { StatusCode = 500 };
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, 500, ApiErrors.InternalError($"{e.GetType().Name}: {e.Message}").ToStatus());
            }
        }
        finally
        {
            activity.Record(record, mutating);
        }
    }

    private async Task<(int Status, JsonObject Body, bool Committed)> ExecuteScaleAsync(
        HttpContext context, ResolvedResource resource, ApiPath path, string verb, WriteOptions write)
    {
        switch (verb)
        {
            case "get":
                return (200, operations.GetScale(resource, path.Namespace, path.Name!), false);
            case "update":
            {
                var outcome = operations.UpdateScale(resource, path.Namespace, path.Name!, await ReadObjectAsync(context.Request), write);
                return (outcome.StatusCode, outcome.Object, outcome.Committed);
            }

            default:
            {
                // Scale is a built-in kind without lists: a strategic merge patch of it is a merge patch.
                var type = context.Request.ContentType?.Split(';')[0].Trim() == "application/strategic-merge-patch+json"
                    ? PatchType.StrategicMerge
                    : PatchTypeOf(context.Request.ContentType, resource);
                var outcome = operations.PatchScale(resource, path.Namespace, path.Name!, type, await ReadTextAsync(context.Request), write);
                return (outcome.StatusCode, outcome.Object, outcome.Committed);
            }
        }
    }

    private async Task<(int Status, JsonObject Body, bool Committed)> ExecuteAsync(HttpContext context, ResolvedResource resource, ApiPath path, string verb)
    {
        var query = context.Request.Query;
        var dryRun = query["dryRun"].ToString() == "All";
        var manager = FieldManager(context.Request);
        if (path.Subresource == "scale") return await ExecuteScaleAsync(context, resource, path, verb, new WriteOptions(manager, dryRun));
        switch (verb)
        {
            case "get":
                return (200, operations.Get(resource, path.Namespace, path.Name!), false);
            case "list":
            {
                var result = operations.List(resource, path.Namespace, ListQuery(context.Request, resource));
                return (200, ListDocument(resource, result.Items, result.ResourceVersion, result.Continue, result.RemainingItemCount), false);
            }

            case "create":
            {
                var body = await ReadObjectAsync(context.Request);
                var outcome = operations.Create(resource, path.Namespace, body, new WriteOptions(manager, dryRun));
                return (outcome.StatusCode, outcome.Object, outcome.Committed);
            }

            case "update":
            {
                var body = await ReadObjectAsync(context.Request);
                var outcome = operations.Update(resource, path.Namespace, path.Name!, body, path.Subresource, new WriteOptions(manager, dryRun));
                return (outcome.StatusCode, outcome.Object, outcome.Committed);
            }

            case "patch":
            {
                var type = PatchTypeOf(context.Request.ContentType, resource);
                var force = query["force"].ToString() == "true";
                if (type != PatchType.Apply && query.ContainsKey("force"))
                {
                    throw ApiErrors.BadRequest("force is only allowed for apply patches");
                }

                var text = await ReadTextAsync(context.Request);
                var applyManager = query["fieldManager"].ToString();
                var outcome = operations.Patch(resource, path.Namespace, path.Name!, type, text, path.Subresource, new WriteOptions(type == PatchType.Apply ? applyManager : manager, dryRun, force));
                return (outcome.StatusCode, outcome.Object, outcome.Committed);
            }

            case "delete":
            {
                var delete = await DeleteOptionsAsync(context.Request);
                var outcome = operations.Delete(resource, path.Namespace, path.Name!, delete);
                return (outcome.StatusCode, outcome.Object, outcome.Committed);
            }

            case "deletecollection":
            {
                var delete = await DeleteOptionsAsync(context.Request);
                var (deleted, committed) = operations.DeleteCollection(resource, path.Namespace, ListQuery(context.Request, resource), delete);
                return (200, ListDocument(resource, deleted, operations.Store.ResourceVersion, null, null), committed);
            }

            default:
                throw ApiErrors.MethodNotAllowed(context.Request.Method);
        }
    }

    private static string VerbOf(HttpRequest request, ApiPath path)
    {
        var watch = path.WatchPrefix || request.Query["watch"].ToString() is "true" or "1";
        return request.Method switch
        {
            "GET" when watch => "watch",
            "GET" => path.Name is null ? "list" : "get",
            "POST" when path.Name is null => "create",
            "PUT" when path.Name is not null => "update",
            "PATCH" when path.Name is not null => "patch",
            "DELETE" => path.Name is null ? "deletecollection" : "delete",
            _ => throw ApiErrors.MethodNotAllowed(request.Method),
        };
    }

    internal static ListOptions ListQuery(HttpRequest request, ResolvedResource resource)
    {
        var query = request.Query;
        int? limit = null;
        if (query.TryGetValue("limit", out var limitText) && limitText.ToString().Length > 0)
        {
            limit = int.TryParse(limitText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiErrors.BadRequest($"limit: Invalid value: \"{limitText}\"");
        }

        return new ListOptions(
            LabelSelector.Parse(query["labelSelector"].ToString()),
            FieldSelector.Parse(query["fieldSelector"].ToString(), resource.Definition.GroupResource),
            limit,
            NullIfEmpty(query["continue"].ToString()),
            NullIfEmpty(query["resourceVersion"].ToString()),
            NullIfEmpty(query["resourceVersionMatch"].ToString()));
    }

    private static JsonObject ListDocument(ResolvedResource resource, IReadOnlyList<JsonObject> items, long version, string? next, long? remaining)
    {
        var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
        if (next is not null)
        {
            metadata["continue"] = next;
        }

        if (remaining is not null)
        {
            metadata["remainingItemCount"] = remaining;
        }

        return new JsonObject
        {
            ["kind"] = resource.Definition.ListKind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(items.Select(i => (JsonNode?)i).ToArray()),
        };
    }

    private static PatchType PatchTypeOf(string? contentType, ResolvedResource resource)
    {
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/merge-patch+json" => PatchType.Merge,
            "application/json-patch+json" => PatchType.Json,
            "application/apply-patch+yaml" => PatchType.Apply,
            "application/strategic-merge-patch+json" when resource.Definition.IsCustom =>
                throw new ApiStatusException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
            "application/strategic-merge-patch+json" => PatchType.StrategicMerge,
            _ => throw ApiErrors.UnsupportedMediaType(mediaType),
        };
    }

    /// <summary>
    /// The manager recorded for non-apply writes: ?fieldManager=, else the user agent up to its first '/',
    /// as the real server derives it.
    /// </summary>
    private static string FieldManager(HttpRequest request)
    {
        var explicitManager = request.Query["fieldManager"].ToString();
        if (explicitManager.Length > 0)
        {
            if (explicitManager.Length > 128)
            {
                throw ApiErrors.BadRequest("fieldManager: Too long: may not be longer than 128");
            }

            return explicitManager;
        }

        var agent = request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        var derived = slash < 0 ? agent : agent[..slash];
        return derived.Length == 0 ? "unknown" : derived;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        var text = await ReadTextAsync(request);
        var mediaType = (request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        JsonNode? node = mediaType switch
        {
            "application/json" or "" => JsonTree.ParseBody(text),
            "application/yaml" or "application/x-yaml" or "text/yaml" => ParseYaml(text),
            _ => throw new ApiStatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {mediaType})"),
        };
        return node as JsonObject ?? throw ApiErrors.BadRequest("the request body must be a JSON object");
    }

    private static JsonNode? ParseYaml(string text)
    {
        try
        {
            return YamlJson.Parse(text);
        }
        catch (FormatException e)
        {
            throw ApiErrors.BadRequest($"error decoding YAML: {e.Message}");
        }
    }

    private static async Task<string> ReadTextAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }

    private static async Task<DeleteOptions> DeleteOptionsAsync(HttpRequest request)
    {
        var query = request.Query;
        var policy = NullIfEmpty(query["propagationPolicy"].ToString());
        if (policy is null && query["orphanDependents"].ToString() == "true")
        {
            policy = "Orphan";
        }

        var dryRun = query["dryRun"].ToString() == "All";
        string? uid = null;
        string? version = null;
        var text = await ReadTextAsync(request);
        if (!string.IsNullOrWhiteSpace(text) && JsonTree.ParseBody(text) is JsonObject body)
        {
            policy = JsonTree.GetString(body["propagationPolicy"]) ?? policy;
            if (policy is null && JsonTree.GetBool(body["orphanDependents"]) == true)
            {
                policy = "Orphan";
            }

            uid = JsonTree.GetString(JsonTree.At(body, "preconditions", "uid"));
            version = JsonTree.GetString(JsonTree.At(body, "preconditions", "resourceVersion"));
            dryRun |= body["dryRun"] is JsonArray modes && modes.Any(m => JsonTree.GetString(m) == "All");
        }

        return new DeleteOptions(policy, uid, version, dryRun);
    }

    private void Authenticate(HttpRequest request)
    {
        if (options.AcceptsBearerToken is not { } accepts)
        {
            return;
        }

        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !accepts(header["Bearer ".Length..]))
        {
            throw ApiErrors.Unauthorized();
        }
    }

    internal static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(WireJson.Write(body), context.RequestAborted);
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
