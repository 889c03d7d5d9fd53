using Microsoft.Extensions.Logging;
using RagOperator.Router.Telemetry;
using RagOperator.Routing;

namespace RagOperator.Router.RoutingSource;

/// <summary>A refused table or a source problem, kept for <c>GET /v1/routing</c> and <c>/readyz</c>.</summary>
public sealed record RoutingProblem(string Reason, DateTimeOffset At);

/// <summary>
/// The sink every routing source feeds: offers documents to the <see cref="RoutingTableHolder"/>, logs what
/// happened, counts refusals, and remembers the last problem. A refused table never replaces the served one.
/// </summary>
public sealed class RoutingFeed(RoutingTableHolder holder, RouterMetrics metrics, ILogger logger, TimeProvider? time = null) : IRoutingSink
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RoutingProblem? lastProblem;

    public RoutingTableHolder Holder { get; } = holder;

    /// <summary>The most recent refusal or source problem; null when there was none.</summary>
    public RoutingProblem? LastProblem => Volatile.Read(ref lastProblem);

    /// <summary>Completes when the first table is served.</summary>
    public Task Loaded => loaded.Task;

    public RoutingTableUpdate Offer(string document, string origin)
    {
        var previous = Holder.Current;
        var update = Holder.Offer(document);
        switch (update.Outcome)
        {
            case RoutingTableUpdateOutcome.Accepted:
                var table = update.Current!;
                logger.LogInformation(
                    "Serving routing table v{Version} of {Collection} from {Origin} (previous v{Previous}, {Shards} shards, rule {Rule})",
                    table.Version, table.Collection, origin, previous?.Version ?? 0, table.Shards.Length, table.Migration?.Rule.ToString() ?? "stable");
                loaded.TrySetResult();
                break;
            case RoutingTableUpdateOutcome.AlreadyServing:
                break;
            default:
                metrics.RoutingRejected(update.Outcome);
                Remember($"{update.Reason} (from {origin})");
                logger.LogError(
                    "Refused routing table from {Origin}: {Reason}. Still serving v{Version}",
                    origin, update.Reason, Holder.Version);
                break;
        }

        return update;
    }

    public void Problem(string message)
    {
        Remember(message);
        logger.LogError("Routing source problem: {Problem}. Still serving v{Version}", message, Holder.Version);
    }

    private void Remember(string reason) => Volatile.Write(ref lastProblem, new RoutingProblem(reason, clock.GetUtcNow()));
}
