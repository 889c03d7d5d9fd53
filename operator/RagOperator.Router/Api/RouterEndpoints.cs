using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagOperator.Observability.Metrics;
using RagOperator.Router.RoutingSource;
using RagOperator.Router.Search;
using RagOperator.Router.Writes;
using RagOperator.Routing;

namespace RagOperator.Router.Api;

/// <summary>
/// The router's HTTP surface. Data endpoints (search, batch search, upsert, delete) require the API key when one
/// is configured; <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and the version fields of <c>/v1/routing</c>
/// do not (probes and the operator's acknowledgement poll carry no credentials; they reveal no data). Every data
/// request captures the routing table once, when it starts, and uses it to the end.
/// </summary>
public static class RouterEndpoints
{
    private const string CollectionRoute = "/v1/collections/{collection}/points";

    public static void MapRouter(this WebApplication app)
    {
        var runtime = app.Services.GetRequiredService<RouterRuntime>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RagOperator.Router");

        app.MapGet("/healthz", (HttpContext context) => ResponseWriter.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteEndObject();
        }));
        app.MapGet("/readyz", (HttpContext context) => Readiness(context, runtime));
        app.MapRagMetrics("/metrics");
        app.MapGet("/v1/routing", (HttpContext context) => RoutingStatus(context, runtime));

        app.MapPost(CollectionRoute + "/search", (HttpContext context, string collection) =>
            HandleAsync(context, runtime, logger, "search", collection, () => SearchAsync(context, runtime, batch: false)));
        app.MapPost(CollectionRoute + "/search/batch", (HttpContext context, string collection) =>
            HandleAsync(context, runtime, logger, "search_batch", collection, () => SearchAsync(context, runtime, batch: true)));
        app.MapPut(CollectionRoute, (HttpContext context, string collection) =>
            HandleAsync(context, runtime, logger, "upsert", collection, () => UpsertAsync(context, runtime)));
        app.MapPost(CollectionRoute + "/delete", (HttpContext context, string collection) =>
            HandleAsync(context, runtime, logger, "delete", collection, () => DeleteAsync(context, runtime)));
    }

    private static async Task HandleAsync(
        HttpContext context, RouterRuntime runtime, ILogger logger, string endpoint, string collection, Func<Task<int>> handle)
    {
        var started = Stopwatch.GetTimestamp();
        int status;
        try
        {
            if (runtime.Options.ApiKey is { } key && ApiKeyCheck.Check(context.Request, key) is { } denied)
            {
                throw new RouterRequestException(denied);
            }

            if (!string.Equals(collection, runtime.Options.Collection, StringComparison.Ordinal))
            {
                throw new RouterRequestException(RouterError.NotFound(
                    $"collection '{collection}' is not served by this router; it serves '{runtime.Options.Collection}'", "collection"));
            }

            status = await handle();
        }
        catch (RouterRequestException failure)
        {
            status = failure.Error.Status;
            runtime.Metrics.Error(failure.Error.Kind);
            await ResponseWriter.ErrorAsync(context, failure.Error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            status = 499;
        }
        catch (Exception error)
        {
            status = 500;
            runtime.Metrics.Error(ErrorKinds.Internal);
            logger.LogError(error, "Unexpected failure in {Endpoint}", endpoint);
            if (!context.Response.HasStarted)
            {
                await ResponseWriter.ErrorAsync(context, new RouterError(500, ErrorKinds.Internal, $"internal error: {error.Message}"));
            }
        }

        runtime.Metrics.Request(endpoint, status, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<int> SearchAsync(HttpContext context, RouterRuntime runtime, bool batch)
    {
        using var body = await ReadBodyAsync(context);
        using var lease = runtime.Requests.Begin();
        var table = lease.Table;
        var call = batch ? runtime.Parser.ParseSearchBatch(body.RootElement, table) : runtime.Parser.ParseSearch(body.RootElement, table);
        var outcome = await runtime.Search.SearchAsync(table, call, context.RequestAborted);
        if (outcome.Partial)
        {
            if (!call.AllowPartial)
            {
                var deadline = outcome.Missing.All(m => m.DeadlineExceeded);
                throw new RouterRequestException(new RouterError(
                    503,
                    deadline ? ErrorKinds.Deadline : ErrorKinds.ShardUnavailable,
                    $"search incomplete: {Describe(outcome.Missing)}; no results are returned rather than fewer (set allow_partial to accept results without these shards)",
                    null,
                    [.. outcome.Missing.Select(m => m.ShardId)]));
            }

            runtime.Metrics.PartialResult();
        }

        await ResponseWriter.WriteAsync(context, 200, w => ResponseWriter.SearchBody(w, outcome, call.Queries, batch));
        return 200;
    }

    private static async Task<int> UpsertAsync(HttpContext context, RouterRuntime runtime)
    {
        using var body = await ReadBodyAsync(context);
        using var lease = runtime.Requests.Begin();
        var points = runtime.Parser.ParseUpsert(body.RootElement, lease.Table);
        var outcome = await runtime.Writer.UpsertAsync(lease.Table, points);
        return await AcknowledgeAsync(context, outcome, "upsert");
    }

    private static async Task<int> DeleteAsync(HttpContext context, RouterRuntime runtime)
    {
        using var body = await ReadBodyAsync(context);
        using var lease = runtime.Requests.Begin();
        var ids = runtime.Parser.ParseDelete(body.RootElement);
        var outcome = await runtime.Writer.DeleteAsync(lease.Table, ids);
        return await AcknowledgeAsync(context, outcome, "delete");
    }

    private static async Task<int> AcknowledgeAsync(HttpContext context, WriteOutcome outcome, string what)
    {
        outcome.ThrowUnlessAcknowledged(what);
        await ResponseWriter.WriteAsync(context, 200, w => ResponseWriter.WriteAcknowledged(w, outcome));
        return 200;
    }

    private static string Describe(IReadOnlyList<ShardFailure> missing) =>
        string.Join("; ", missing.Select(m => $"shard {m.ShardId} ({m.Endpoint}) {(m.DeadlineExceeded ? "timed out" : "is unavailable")}: {m.Reason}"));

    private static async Task<JsonDocument> ReadBodyAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, new JsonDocumentOptions { MaxDepth = 64 }, context.RequestAborted);
        }
        catch (JsonException error)
        {
            throw RouterRequestException.BadRequest($"the request body is not valid JSON: {error.Message}");
        }
        catch (BadHttpRequestException error)
        {
            throw new RouterRequestException(new RouterError(error.StatusCode, ErrorKinds.BadRequest, $"the request body could not be read: {error.Message}"));
        }
    }

    private static Task Readiness(HttpContext context, RouterRuntime runtime)
    {
        var table = runtime.Holder.Current;
        return ResponseWriter.WriteAsync(context, table is null ? 503 : 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", table is null ? "not ready" : "ready");
            w.WriteNumber("version", table?.Version ?? 0);
            if (table is null)
            {
                w.WriteString("reason", runtime.Feed.LastProblem?.Reason ?? "no routing table loaded yet");
            }

            w.WriteEndObject();
        });
    }

    /// <summary>
    /// The served routing version, for the operator's acknowledgement poll. Without credentials (when a key is
    /// configured) only the version fields are returned; the shard endpoints need the key.
    /// </summary>
    private static Task RoutingStatus(HttpContext context, RouterRuntime runtime)
    {
        var table = runtime.Holder.Current;
        var served = runtime.Requests.ServedVersion;
        var detailed = runtime.Options.ApiKey is not { } key || ApiKeyCheck.Check(context.Request, key) is null;
        return ResponseWriter.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("collection", runtime.Options.Collection);
            w.WriteNumber("version", table?.Version ?? 0);
            w.WriteNumber("servedVersion", served);
            WriteNullable(w, "strategy", table?.Strategy);
            WriteNullable(w, "rule", table is null ? null : table.Migration?.Rule.ToString() ?? "Stable");
            if (detailed && table is not null)
            {
                w.WriteString("migration", table.Migration?.Id);
                w.WriteStartArray("shards");
                foreach (var shard in table.Shards)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", shard.Id);
                    w.WriteString("endpoint", shard.Endpoint);
                    w.WriteString("cells", shard.Cells.ToString());
                    w.WriteString("readCells", table.ReadableCells(shard.Id).ToString());
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (runtime.Feed.LastProblem is { } problem)
            {
                w.WriteStartObject("lastProblem");
                w.WriteString("reason", problem.Reason);
                w.WriteString("at", problem.At);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        });
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
