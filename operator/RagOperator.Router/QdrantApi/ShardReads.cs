using System.Diagnostics;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Grpc;
using RagOperator.Router.Api;
using RagOperator.Router.Search;
using RagOperator.Router.Shards;
using RagOperator.Router.Telemetry;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// Sends one read to every shard of a read plan at once, each through its <see cref="ShardGuard"/> and with the
/// routing filter of its read entry added to the application's filter (<see cref="Restrict"/>), so every point is read
/// from exactly one shard even while cells move. Qdrant's API has no notion of a partial answer, so any shard that
/// fails fails the request, with a message naming the shard and why.
/// </summary>
public sealed class ShardReads(ShardClients clients, RouterMetrics metrics)
{
    public async Task<IReadOnlyList<T>> ReadAsync<T>(
        IReadOnlyList<ShardRead> plan, string operation, TimeSpan deadline,
        Func<IQdrantClient, ShardRead, CancellationToken, Task<T>> call, CancellationToken requestAborted)
        where T : class
    {
        metrics.FanOut(plan.Count);
        var answers = await Task.WhenAll(plan.Select(read => ReadOneAsync(read, operation, deadline, call, requestAborted)));
        requestAborted.ThrowIfCancellationRequested();
        if (answers.FirstOrDefault(a => a.Error is not null).Error is { } error)
        {
            throw new RouterRequestException(error);
        }

        return [.. answers.Select(a => a.Answer!)];
    }

    /// <summary>
    /// The application's filter AND the read entry's routing conditions. The routing filter has only <c>must</c> and
    /// <c>must_not</c> clauses (<see cref="CellExclusion"/>), so appending them to the application's clauses is the
    /// same as AND-ing the two filters; an application's <c>should</c> or <c>min_should</c> is left as it was.
    /// </summary>
    public static G.Filter? Restrict(G.Filter? filter, ShardRead read)
    {
        if (CellExclusion.Apply(null, read) is not { } routing)
        {
            return filter;
        }

        var routed = GrpcMapping.ToGrpc(routing);
        var result = filter?.Clone() ?? new G.Filter();
        result.Must.Add(routed.Must);
        result.MustNot.Add(routed.MustNot);
        return result;
    }

    private async Task<(T? Answer, RouterError? Error)> ReadOneAsync<T>(
        ShardRead read, string operation, TimeSpan deadline,
        Func<IQdrantClient, ShardRead, CancellationToken, Task<T>> call, CancellationToken requestAborted)
        where T : class
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "success";
        var guard = clients.GuardFor(read.ShardId, read.Endpoint);
        try
        {
            var client = clients.For(read.ShardId, read.Endpoint);
            return (await guard.ReadAsync(token => call(client, read, token), deadline, requestAborted), null);
        }
        catch (TimeoutRejectedException)
        {
            outcome = "deadline";
            return (null, Unavailable(read, ErrorKinds.Deadline, $"no answer within {deadline.TotalMilliseconds:0} ms"));
        }
        catch (BrokenCircuitException)
        {
            outcome = "circuit_open";
            return (null, Unavailable(read, ErrorKinds.ShardUnavailable, SearchFanOut.CircuitOpen(guard.ReadCircuit)));
        }
        catch (RateLimiterRejectedException)
        {
            outcome = "shed";
            return (null, SearchFanOut.Overloaded(read));
        }
        catch (QdrantException error) when (ShardGuard.IsClientMistake(error))
        {
            // The request itself is at fault; every shard would refuse it the same way, so Qdrant's own words are the answer.
            outcome = "rejected";
            return (null, RouterError.BadRequest(error.QdrantMessage ?? error.Message));
        }
        catch (QdrantException error)
        {
            outcome = error.StatusCode is null ? "unreachable" : "error";
            return (null, Unavailable(read, ErrorKinds.ShardUnavailable, SearchFanOut.Describe(error)));
        }
        finally
        {
            metrics.ShardCall(read.ShardId, operation, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    private static RouterError Unavailable(ShardRead read, string kind, string reason) => new(
        503,
        kind,
        $"shard {read.ShardId} ({read.Endpoint}) did not answer: {reason}. Nothing is returned rather than an answer without it; retry shortly",
        null,
        [read.ShardId]);
}
