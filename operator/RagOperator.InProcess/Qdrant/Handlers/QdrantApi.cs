using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>
/// The HTTP surface of the in-process Qdrant: fault injection, Qdrant's API-key check (with its whitelist of
/// <c>/</c>, <c>/healthz</c>, <c>/readyz*</c>, <c>/livez*</c>), routing, and error envelopes. Unknown routes get
/// 404 with an empty body, as from Qdrant's HTTP framework.
/// </summary>
internal sealed partial class QdrantApi(
    InProcessQdrantOptions options, QdrantFaults faults, InProcessQdrantCollections collections, InProcessQdrantCluster cluster,
    SnapshotStore snapshots, HttpClient downloads)
{
    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = 128 };

    private readonly InProcessQdrantCluster _cluster = cluster;
    private readonly SnapshotStore _snapshots = snapshots;
    private readonly HttpClient _downloads = downloads;

    private static readonly HashSet<string> ReadOnlyPostRoutes =
        ["points", "points/count", "points/scroll", "points/search", "points/search/batch", "points/query", "points/query/batch"];

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        if (faults.CurrentDownMode is { } down)
        {
            if (down == QdrantDownMode.CloseConnection)
            {
                context.Abort();
                return;
            }

            await QdrantResponses.WriteErrorAsync(context, 503, "Service unavailable: the in-process Qdrant is down", 0);
            return;
        }

        var latency = faults.NextDelay();
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, context.RequestAborted);
        }

        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        if (await TryServeWhitelistedAsync(context, method, path))
        {
            return;
        }

        if (!await AuthorizeAsync(context, method, path))
        {
            return;
        }

        if (faults.NextInjectedStatus() is { } injected)
        {
            await QdrantResponses.WriteErrorAsync(context, injected, QdrantFaults.InjectedMessage(injected), Seconds(started));
            return;
        }

        try
        {
            await RouteAsync(context, method, path.Split('/', StringSplitOptions.RemoveEmptyEntries), started);
        }
        catch (QdrantHttpError error)
        {
            await QdrantResponses.WriteErrorAsync(context, error.StatusCode, error.Message, Seconds(started));
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await QdrantResponses.WriteErrorAsync(context, 413, "Payload too large", Seconds(started));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception unexpected) when (!context.Response.HasStarted)
        {
            // A bug in this stand-in still answers the way Qdrant reports internal errors.
            await QdrantResponses.WriteErrorAsync(context, 500, "Service internal error: " + unexpected.Message, Seconds(started));
        }
    }

    private async Task<bool> TryServeWhitelistedAsync(HttpContext context, string method, string path)
    {
        if (method != HttpMethods.Get)
        {
            return false;
        }

        if (path == "/")
        {
            await QdrantResponses.WriteJsonAsync(context, 200, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("title", "qdrant - vector search engine");
                writer.WriteString("version", options.Version);
                writer.WriteString("commit", "in-process");
                writer.WriteEndObject();
            });
            return true;
        }

        if (path == "/healthz" || path.StartsWith("/livez", StringComparison.Ordinal))
        {
            await QdrantResponses.WriteTextAsync(context, 200, "healthz check passed");
            return true;
        }

        if (path.StartsWith("/readyz", StringComparison.Ordinal))
        {
            await QdrantResponses.WriteTextAsync(context, 200, "all shards are ready");
            return true;
        }

        return false;
    }

    /// <summary>Qdrant answers authentication failures with plain text: 401 without or with a wrong key.</summary>
    private async Task<bool> AuthorizeAsync(HttpContext context, string method, string path)
    {
        if (options.ApiKey is null && options.ReadOnlyApiKey is null)
        {
            return true;
        }

        var key = context.Request.Headers["api-key"].FirstOrDefault();
        if (key is null && context.Request.Headers.Authorization.FirstOrDefault() is { } authorization &&
            authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = authorization["Bearer ".Length..];
        }

        if (key is null)
        {
            await QdrantResponses.WriteTextAsync(context, 401, "Must provide an API key or an Authorization bearer token");
            return false;
        }

        if (Matches(options.ApiKey, key))
        {
            return true;
        }

        if (Matches(options.ReadOnlyApiKey, key))
        {
            if (IsReadOnlyRequest(method, path))
            {
                return true;
            }

            await QdrantResponses.WriteErrorAsync(context, 403, "Forbidden: Only read-only access is allowed", 0);
            return false;
        }

        await QdrantResponses.WriteTextAsync(context, 401, "Invalid API key or JWT");
        return false;
    }

    /// <summary>A constant-time key comparison; an unset key matches nothing. The gRPC gate checks keys with it too.</summary>
    internal static bool Matches(string? expected, string actual) =>
        expected is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private static bool IsReadOnlyRequest(string method, string path)
    {
        if (method == HttpMethods.Get)
        {
            return true;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return method == HttpMethods.Post && segments.Length >= 3 && segments[0] == "collections" &&
               ReadOnlyPostRoutes.Contains(string.Join('/', segments[2..]));
    }

    private async Task RouteAsync(HttpContext context, string method, string[] s, long started)
    {
        if (s.Length >= 1 && s[0] == "cluster")
        {
            await RouteClusterAsync(context, method, s, started);
            return;
        }

        if (s.Length == 0 || s[0] != "collections")
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (s.Length == 1 && method == HttpMethods.Get)
        {
            await ListCollectionsAsync(context, started);
            return;
        }

        if (s.Length < 2)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var name = s[1];
        var route = string.Join('/', s[2..]);
        if (route.StartsWith("points", StringComparison.Ordinal) && collections.TryGet(name, out var served))
        {
            // Point operations go through the shard's replicas, which must be able to serve them (cluster mode).
            var write = !(method == HttpMethods.Get || (method == HttpMethods.Post && ReadOnlyPostRoutes.Contains(route)));
            _cluster.CheckServing(name, write, served.Params.WriteConsistencyFactor);
        }

        switch (method, route)
        {
            case ("GET", ""):
                await GetCollectionAsync(context, name, started);
                return;
            case ("PUT", ""):
                await CreateCollectionAsync(context, name, started);
                return;
            case ("PATCH", ""):
                await UpdateCollectionAsync(context, name, started);
                return;
            case ("DELETE", ""):
                await DeleteCollectionAsync(context, name, started);
                return;
            case ("GET", "exists"):
                await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteBoolean("exists", collections.TryGet(name, out _));
                    writer.WriteEndObject();
                });
                return;
            case ("PUT", "index"):
                await CreateIndexAsync(context, name, started);
                return;
            case ("DELETE", _) when s.Length == 4 && s[2] == "index":
                await DeleteIndexAsync(context, name, s[3], started);
                return;
            case ("PUT", "points"):
                await UpsertAsync(context, name, started);
                return;
            case ("POST", "points"):
                await RetrieveAsync(context, name, started);
                return;
            case ("POST", "points/delete"):
                await DeletePointsAsync(context, name, started);
                return;
            case ("POST", "points/payload"):
                await SetPayloadAsync(context, name, overwrite: false, started);
                return;
            case ("PUT", "points/payload"):
                await SetPayloadAsync(context, name, overwrite: true, started);
                return;
            case ("POST", "points/payload/delete"):
                await DeletePayloadAsync(context, name, started);
                return;
            case ("POST", "points/scroll"):
                await ScrollAsync(context, name, started);
                return;
            case ("POST", "points/count"):
                await CountAsync(context, name, started);
                return;
            case ("POST", "points/query"):
                await QueryAsync(context, name, started);
                return;
            case ("POST", "points/query/batch"):
                await QueryBatchAsync(context, name, started);
                return;
            case ("POST", "points/search"):
                await SearchAsync(context, name, started);
                return;
            case ("POST", "points/search/batch"):
                await SearchBatchAsync(context, name, started);
                return;
            case ("GET", _) when s.Length == 4 && s[2] == "points":
                await GetPointAsync(context, name, s[3], started);
                return;
            case ("GET", "cluster"):
                await GetCollectionClusterAsync(context, name, started);
                return;
            case ("POST", "cluster"):
                await UpdateCollectionClusterAsync(context, name, started);
                return;
            case ("POST", "snapshots"):
                await CreateSnapshotAsync(context, name, started);
                return;
            case ("GET", "snapshots"):
                await ListSnapshotsAsync(context, name, started);
                return;
            case ("PUT", "snapshots/recover"):
                await RecoverSnapshotAsync(context, name, started);
                return;
            case ("POST", "snapshots/upload"):
                await UploadSnapshotAsync(context, name, started);
                return;
            case ("GET", _) when s.Length == 4 && s[2] == "snapshots":
                await DownloadSnapshotAsync(context, name, s[3]);
                return;
            case ("DELETE", _) when s.Length == 4 && s[2] == "snapshots":
                await DeleteSnapshotAsync(context, name, s[3], started);
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    private async Task RouteClusterAsync(HttpContext context, string method, string[] s, long started)
    {
        if (s.Length == 1 && method == HttpMethods.Get)
        {
            await GetClusterAsync(context, started);
        }
        else if (s.Length == 3 && s[1] == "peer" && method == HttpMethods.Delete)
        {
            await RemovePeerAsync(context, s[2], started);
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    private InProcessCollection Collection(string name) => collections.Named(name);

    /// <summary>The request body as JSON; a body that does not parse is Qdrant's 400 "Format error in JSON body".</summary>
    private static async Task<JsonDocument> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);

        // Everything after this await runs synchronously up to the write, so this is the last look at the client: a
        // request whose client is gone (a killed operator's copy write held up on a starved thread pool) is dropped
        // rather than applied seconds after its sender died. See the README's simulator differences.
        context.RequestAborted.ThrowIfCancellationRequested();
        if (buffer.Length == 0)
        {
            throw QdrantHttpError.Format("EOF while parsing a value at line 1 column 0");
        }

        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), BodyOptions);
        }
        catch (JsonException invalid)
        {
            throw QdrantHttpError.Format(invalid.Message);
        }
    }

    /// <summary>The <c>wait</c> query parameter (default false); anything but true/false is a query error.</summary>
    private static bool ReadWait(HttpContext context)
    {
        var ordering = context.Request.Query["ordering"].FirstOrDefault();
        if (ordering is not null && ordering is not ("weak" or "medium" or "strong"))
        {
            throw QdrantHttpError.QueryFormat($"unknown variant `{ordering}`, expected one of `weak`, `medium`, `strong`");
        }

        return context.Request.Query["wait"].FirstOrDefault() switch
        {
            null => false,
            "true" => true,
            "false" => false,
            var other => throw QdrantHttpError.QueryFormat($"failed to parse `wait` value `{other}` as bool"),
        };
    }

    private static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
}
