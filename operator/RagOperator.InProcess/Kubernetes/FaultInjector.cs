using System.Globalization;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>What an injected fault does.</summary>
public enum FaultKind
{
    /// <summary>409 Conflict, as for a stale resourceVersion (nothing is written).</summary>
    Conflict,

    /// <summary>500 InternalError.</summary>
    InternalError,

    /// <summary>503 ServiceUnavailable.</summary>
    ServiceUnavailable,

    /// <summary>429 TooManyRequests with a Retry-After header.</summary>
    TooManyRequests,

    /// <summary>Delays the request by <see cref="FaultRule.Latency"/>, then serves it normally.</summary>
    Latency,

    /// <summary>Cuts a watch stream abruptly (connection reset) after <see cref="FaultRule.DropAfterEvents"/> events.</summary>
    DropWatch,
}

/// <summary>
/// One fault rule. Null filters match anything. Verbs are the Kubernetes request verbs: get, list, watch, create,
/// update, patch, delete, deletecollection. Resources are "plural.group" ("statefulsets.apps") or the core plural ("pods").
/// </summary>
public sealed record FaultRule
{
    public required FaultKind Kind { get; init; }

    public string? Verb { get; init; }

    public string? Resource { get; init; }

    public string? Namespace { get; init; }

    public string? Name { get; init; }

    /// <summary>"status" to hit only /status writes; null matches the main resource and subresources alike.</summary>
    public string? Subresource { get; init; }

    /// <summary>Chance that a matching request is hit (drawn from the server's seeded generator).</summary>
    public double Probability { get; init; } = 1.0;

    /// <summary>How many requests the rule hits before it retires; null: no limit.</summary>
    public int? Times { get; init; }

    public int RetryAfterSeconds { get; init; } = 1;

    public TimeSpan Latency { get; init; }

    public int DropAfterEvents { get; init; }
}

/// <summary>What the server does to one request because of the fault rules.</summary>
internal sealed record FaultDecision(ApiStatusException? Error, TimeSpan Latency, int? DropWatchAfterEvents)
{
    public static FaultDecision None { get; } = new(null, TimeSpan.Zero, null);
}

/// <summary>
/// Injects API server failures into requests from clients (never into the workload simulator, which plays
/// in-cluster controllers): errors per verb/resource with a probability or for the next N requests, latency,
/// and dropped watch streams. Random draws come from a generator seeded by <see cref="InProcessApiServerOptions.Seed"/>.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock sync = new();
    private readonly List<RuleState> rules = [];
    private readonly Random random;
    private readonly Action dropOpenWatches;
    private int injected;

    internal FaultInjector(int seed, Action dropOpenWatches)
    {
        random = new Random(seed);
        this.dropOpenWatches = dropOpenWatches;
    }

    /// <summary>How many faults have been injected so far (errors, delays and dropped streams).</summary>
    public int InjectedCount
    {
        get
        {
            lock (sync)
            {
                return injected;
            }
        }
    }

    public FaultRule Add(FaultRule rule)
    {
        lock (sync)
        {
            rules.Add(new RuleState(rule, rule.Times));
        }

        return rule;
    }

    public bool Remove(FaultRule rule)
    {
        lock (sync)
        {
            return rules.RemoveAll(r => ReferenceEquals(r.Rule, rule)) > 0;
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            rules.Clear();
        }
    }

    /// <summary>The next <paramref name="count"/> matching requests fail with <paramref name="kind"/>.</summary>
    public FaultRule FailNext(int count, FaultKind kind, string? verb = null, string? resource = null, string? subresource = null) =>
        Add(new FaultRule { Kind = kind, Verb = verb, Resource = resource, Subresource = subresource, Times = count });

    /// <summary>Matching requests fail with <paramref name="kind"/> with the given probability, until removed.</summary>
    public FaultRule FailRandomly(double probability, FaultKind kind, string? verb = null, string? resource = null) =>
        Add(new FaultRule { Kind = kind, Verb = verb, Resource = resource, Probability = probability });

    public FaultRule AddLatency(TimeSpan latency, string? verb = null, string? resource = null, int? times = null) =>
        Add(new FaultRule { Kind = FaultKind.Latency, Latency = latency, Verb = verb, Resource = resource, Times = times });

    /// <summary>Watches opened from now on are cut after delivering <paramref name="events"/> events.</summary>
    public FaultRule DropWatchesAfter(int events, string? resource = null, int? times = null) =>
        Add(new FaultRule { Kind = FaultKind.DropWatch, Verb = "watch", Resource = resource, DropAfterEvents = events, Times = times });

    /// <summary>Cuts every open watch stream now, abruptly (the client sees a reset connection, not an orderly end).</summary>
    public void DropOpenWatches()
    {
        lock (sync)
        {
            injected++;
        }

        dropOpenWatches();
    }

    internal FaultDecision Evaluate(string verb, string resource, string? ns, string? name, string? subresource, string groupResourceForMessage)
    {
        lock (sync)
        {
            ApiStatusException? error = null;
            var latency = TimeSpan.Zero;
            int? dropAfter = null;
            foreach (var state in rules.ToList())
            {
                var rule = state.Rule;
                var isWatchFault = rule.Kind == FaultKind.DropWatch;
                if ((isWatchFault && verb != "watch")
                    || (rule.Verb is not null && rule.Verb != verb)
                    || (rule.Resource is not null && rule.Resource != resource)
                    || (rule.Namespace is not null && rule.Namespace != ns)
                    || (rule.Name is not null && rule.Name != name)
                    || (rule.Subresource is not null && rule.Subresource != subresource)
                    || (rule.Kind is not (FaultKind.Latency or FaultKind.DropWatch) && error is not null))
                {
                    continue;
                }

                if (rule.Probability < 1.0 && random.NextDouble() >= rule.Probability)
                {
                    continue;
                }

                if (state.Remaining is { } remaining)
                {
                    state.Remaining = remaining - 1;
                    if (state.Remaining <= 0)
                    {
                        rules.Remove(state);
                    }
                }

                injected++;
                switch (rule.Kind)
                {
                    case FaultKind.Latency:
                        latency += rule.Latency;
                        break;
                    case FaultKind.DropWatch:
                        dropAfter = Math.Min(dropAfter ?? int.MaxValue, rule.DropAfterEvents);
                        break;
                    default:
                        error = ErrorFor(rule, name, groupResourceForMessage);
                        break;
                }
            }

            return error is null && latency == TimeSpan.Zero && dropAfter is null ? FaultDecision.None : new FaultDecision(error, latency, dropAfter);
        }
    }

    private static ApiStatusException ErrorFor(FaultRule rule, string? name, string groupResource) => rule.Kind switch
    {
        FaultKind.Conflict => new ApiStatusException(
            409,
            "Conflict",
            $"Operation cannot be fulfilled on {groupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            new StatusDetails(name, null, groupResource)),
        FaultKind.InternalError => ApiErrors.InternalError("injected fault"),
        FaultKind.ServiceUnavailable => ApiErrors.ServiceUnavailable("the server is currently unable to handle the request"),
        FaultKind.TooManyRequests => ApiErrors.TooManyRequests(rule.RetryAfterSeconds),
        _ => throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{rule.Kind} is not an error fault")),
    };

    private sealed class RuleState(FaultRule rule, int? remaining)
    {
        public FaultRule Rule { get; } = rule;

        public int? Remaining { get; set; } = remaining;
    }
}
