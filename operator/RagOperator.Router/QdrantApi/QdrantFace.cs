using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RagOperator.Router.Api;
using RagOperator.Routing;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// The router's Qdrant API, shared by its REST and gRPC faces: authentication (Qdrant's <c>api-key</c>), the collection
/// name, the routing table captured for the whole request, metrics and errors. Failures surface as
/// <see cref="RouterRequestException"/>; each face turns them into its own error form.
/// <para>Semantic collections probe the query's nearest cells; the <c>rag-nprobe</c> header (gRPC metadata) asks for
/// more or fewer: a number of cells, or <c>all</c>.</para>
/// </summary>
public sealed class QdrantFace(
    RouterRuntime runtime, QdrantReads reads, QdrantWrites writes, QdrantCollectionView collections, ILogger<QdrantFace> logger)
{
    public const string NprobeHeader = "rag-nprobe";

    public QdrantReads Reads { get; } = reads;

    public QdrantWrites Writes { get; } = writes;

    public QdrantCollectionView Collections { get; } = collections;

    public RouterOptions Options => runtime.Options;

    /// <summary>Runs a call on <paramref name="collection"/> with the routing table current when it starts.</summary>
    public Task<T> RunAsync<T>(HttpContext http, string endpoint, string collection, Func<RoutingTable, Task<T>> call) =>
        RunAsync(http, endpoint, async () =>
        {
            if (!Collections.Serves(collection))
            {
                throw new RouterRequestException(RouterError.NotFound(
                    $"Not found: Collection `{collection}` doesn't exist! This router serves '{runtime.Options.Collection}'", "collection_name"));
            }

            using var lease = runtime.Requests.Begin();
            return await call(lease.Table);
        });

    /// <summary>Runs an authenticated call that needs no routing table.</summary>
    public async Task<T> RunAsync<T>(HttpContext http, string endpoint, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var status = 200;
        try
        {
            if (runtime.Options.ApiKey is { } key && ApiKeyCheck.Check(http.Request, key) is { } denied)
            {
                throw new RouterRequestException(denied);
            }

            return await call();
        }
        catch (RouterRequestException failure)
        {
            status = failure.Error.Status;
            runtime.Metrics.Error(failure.Error.Kind);
            throw;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            status = 499;
            throw;
        }
        catch (Exception error)
        {
            status = 500;
            runtime.Metrics.Error(ErrorKinds.Internal);
            logger.LogError(error, "Unexpected failure in {Endpoint}", endpoint);
            throw new RouterRequestException(new RouterError(500, ErrorKinds.Internal, $"internal error: {error.Message}"));
        }
        finally
        {
            runtime.Metrics.Request(endpoint, status, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The <c>rag-nprobe</c> header: null when absent.</summary>
    public static int? Nprobe(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(NprobeHeader, out var values) || values.ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        if (string.Equals(text, "all", StringComparison.OrdinalIgnoreCase))
        {
            return int.MaxValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var nprobe) && nprobe is >= 1 and <= RequestParser.MaxNprobe
            ? nprobe
            : throw RouterRequestException.BadRequest(
                $"header {NprobeHeader} is '{text}'; it must be a number of cells from 1 to {RequestParser.MaxNprobe}, or 'all'", NprobeHeader);
    }
}
