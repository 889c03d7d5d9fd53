using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Serves one watch request: a chunked stream of newline-delimited <c>{"type":...,"object":...}</c> events
/// in resourceVersion order, with periodic BOOKMARKs when asked, the selectors applied, an orderly end after
/// timeoutSeconds, an ERROR event with a 410 Expired Status when the start version was compacted, and an
/// abrupt connection reset when a fault drops it.
/// </summary>
internal sealed class WatchStream(ObjectStore store, InProcessApiServerOptions options, ServerActivity activity, CancellationToken stopping)
{
    public async Task ServeAsync(HttpContext context, ResolvedResource resource, ApiPath path, int? dropAfterEvents)
    {
        var request = context.Request;
        var query = ApiRequestHandler.ListQuery(request, resource);
        var fields = path.Name is null ? query.Fields : query.Fields.And(FieldSelector.ForName(path.Name));
        var bookmarks = request.Query["allowWatchBookmarks"].ToString() == "true";
        var sendInitialEvents = request.Query["sendInitialEvents"].ToString() == "true";
        var timeout = options.DefaultWatchTimeout;
        if (long.TryParse(request.Query["timeoutSeconds"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout = TimeSpan.FromSeconds(seconds);
        }

        long? from = null;
        var requested = query.ResourceVersion;
        if (!string.IsNullOrEmpty(requested) && requested != "0" && !sendInitialEvents)
        {
            from = long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiErrors.BadRequest($"invalid resource version: \"{requested}\"");
        }

        var filter = new WatchFilter(resource.Definition.GroupResource, path.Namespace, query.Labels, fields);
        var subscription = new WatchSubscription(filter.Project);
        bool subscribed;
        long compacted;
        lock (store.Sync)
        {
            compacted = store.CompactedResourceVersion;
            subscribed = store.Subscribe(subscription, resource.Definition.GroupResource, from, filter.Matches, markInitialEnd: sendInitialEvents && bookmarks);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(context.RequestAborted);

        // Send the headers now: a client waits for them before it reads events, and there may be none for a while.
        await context.Response.Body.FlushAsync(context.RequestAborted);

        if (!subscribed)
        {
            var gone = ApiErrors.Expired($"too old resource version: {from} ({compacted})");
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = gone.ToStatus() });
            return;
        }

        var (watchId, drop) = activity.OpenWatch();
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, drop.Token, stopping, context.RequestAborted);
        var delivered = 0;
        try
        {
            while (!linked.IsCancellationRequested)
            {
                WatchMessage? message = null;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
                {
                    if (bookmarks)
                    {
                        wait.CancelAfter(options.BookmarkInterval);
                    }

                    try
                    {
                        if (!await subscription.Reader.WaitToReadAsync(wait.Token))
                        {
                            break;
                        }

                        subscription.Reader.TryRead(out message);
                    }
                    catch (OperationCanceledException) when (!linked.IsCancellationRequested)
                    {
                        // Quiet for a bookmark interval: ask the store for a bookmark, in order with the events.
                        store.Bookmark(subscription);
                        continue;
                    }
                }

                if (message is null)
                {
                    continue;
                }

                await WriteLineAsync(context, Render(resource, message));
                if (message.Type != "BOOKMARK" && dropAfterEvents is { } limit && ++delivered >= limit)
                {
                    await AbortAfterDrainAsync(context);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ended by timeout, server stop, client disconnect or a drop fault: handled below.
        }
        finally
        {
            store.Unsubscribe(subscription);
            activity.CloseWatch(watchId);
        }

        if (drop.IsCancellationRequested)
        {
            await AbortAfterDrainAsync(context);
        }
    }

    /// <summary>
    /// Cuts the connection without the terminating chunk, so the client sees a broken stream rather than an orderly
    /// end. Kestrel drops output it has not yet handed to the socket when a connection aborts, so the events already
    /// written get a moment to leave first.
    /// </summary>
    private static async Task AbortAfterDrainAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
        finally
        {
            context.Abort();
        }
    }

    private static JsonObject Render(ResolvedResource resource, WatchMessage message)
    {
        JsonObject obj;
        if (message.Type == "BOOKMARK")
        {
            var metadata = new JsonObject { ["resourceVersion"] = message.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
            if (message.InitialEventsEnd)
            {
                metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }

            obj = new JsonObject { ["kind"] = resource.Definition.Kind, ["apiVersion"] = resource.ApiVersion, ["metadata"] = metadata };
        }
        else
        {
            obj = ApiOperations.Present(resource, message.Object!);
        }

        return new JsonObject { ["type"] = message.Type, ["object"] = obj };
    }

    private static async Task WriteLineAsync(HttpContext context, JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(WireJson.Write(line) + "\n");
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
