using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.Router.Api;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// How every REST call runs: its body is read, the call goes through <see cref="QdrantFace"/> (key, collection name,
/// routing table, metrics, errors) exactly as the gRPC face's calls do, and its result or failure is written in
/// Qdrant's envelope.
/// </summary>
internal sealed class RestCalls(QdrantFace face)
{
    public QdrantFace Face => face;

    /// <summary>A call on the collection named in the path, with the routing table current when it starts.</summary>
    public async Task OnCollection(
        HttpContext http, string endpoint, string collection, Func<RestBody, RoutingTable, Task<Action<Utf8JsonWriter>>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var body = await RestBody.ReadAsync(http);
            await AnswerAsync(http, started, () => face.RunAsync(http, endpoint, collection, table => call(body, table)));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
    }

    /// <summary>A write on the collection: Qdrant's <c>wait</c> is checked, and the answer is the core's <c>UpdateResult</c>.</summary>
    public Task Write(HttpContext http, string endpoint, string collection, Func<JsonElement, RoutingTable, Task<G.UpdateResult>> call) =>
        OnCollection(http, endpoint, collection, async (body, table) =>
        {
            RestBody.CheckWait(http.Request);
            var result = await call(body.Root, table);
            return writer => RestPoints.Update(writer, result);
        });

    /// <summary>An authenticated call that needs no routing table (listing the collection, refusals).</summary>
    public async Task Unbound(HttpContext http, string endpoint, Func<Action<Utf8JsonWriter>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await AnswerAsync(http, started, () => face.RunAsync(http, endpoint, () => Task.FromResult(call())));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
    }

    /// <summary>A call that would change what the VectorCollection resource owns: 403, naming what to change instead.</summary>
    public Task Owned(HttpContext http, string call, string instead) =>
        Unbound(http, "qdrant_" + call, () => throw face.Collections.Owned(call, instead));

    private static async Task AnswerAsync(HttpContext http, long started, Func<Task<Action<Utf8JsonWriter>>> run)
    {
        Action<Utf8JsonWriter> result;
        try
        {
            result = await run();
        }
        catch (RouterRequestException failure)
        {
            await RestReplies.ErrorAsync(http, started, failure.Error);
            return;
        }

        await RestReplies.ResultAsync(http, started, result);
    }
}
