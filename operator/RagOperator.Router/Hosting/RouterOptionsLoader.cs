using System.Globalization;

namespace RagOperator.Router;

/// <summary>Process-level settings of the router container that are not router behaviour.</summary>
public sealed record RouterProcessSettings(int Port, int GrpcPort, string LogFormat, string? Kubeconfig, string? KubeContext);

/// <summary>
/// Reads the router's settings from command-line flags and the environment (flags win). Pure: the environment is
/// passed in.
/// <code>
/// flag                   environment            meaning
/// --collection           COLLECTION             the VectorCollection served (required)
/// --namespace            NAMESPACE, POD_NAMESPACE  its namespace (default "default")
/// --routing-configmap    ROUTING_CONFIGMAP      the routing ConfigMap (default &lt;collection&gt;-routing)
/// (secret)               ROUTER_API_KEY         key required on the data endpoints (unset: no auth)
/// (secret)               QDRANT_API_KEY         api-key sent to the shards
/// --router-name          POD_NAME               replica name; its hash is the write-version router id
/// --router-id            ROUTER_ID              explicit router id 0..1023 instead of the hash
/// --port                 PORT                   HTTP port (default 8080): the /v1 API and Qdrant's REST API
/// --grpc-port            GRPC_PORT              HTTP/2 port of Qdrant's gRPC API (default 6334)
/// --search-timeout-ms    SEARCH_TIMEOUT_MS      default search deadline
/// --write-clock-uncertainty-ms  WRITE_CLOCK_UNCERTAINTY_MS  largest clock difference between replicas (default 5)
/// --shard-concurrency-limit  SHARD_CONCURRENCY_LIMIT  calls at once per shard (default 64)
/// --shard-queue-limit    SHARD_QUEUE_LIMIT      calls waiting per shard before 429 (default 256)
/// --hedging              HEDGING                true (default) or false: hedge searches after the shard's p95
/// --hedge-min-delay-ms   HEDGE_MIN_DELAY_MS     the hedge waits at least this long (default 10)
/// --tls-cert-file        TLS_CERT_FILE          the router's certificate (PEM); with --tls-key-file it serves HTTPS
/// --tls-key-file         TLS_KEY_FILE           its private key (PEM)
/// --shard-ca-file        SHARD_CA_FILE          the CAs (PEM) https shards must chain to
/// --log-format           LOG_FORMAT             json (default) or text
/// --kubeconfig           KUBECONFIG             kubeconfig outside a cluster (in a pod the service account is used)
/// --context              KUBE_CONTEXT           kubeconfig context
/// </code>
/// Keys are read only from the environment, so they never appear in a process listing.
/// </summary>
public static class RouterOptionsLoader
{
    private static readonly Dictionary<string, string> FlagToVariable = new(StringComparer.Ordinal)
    {
        ["--collection"] = "COLLECTION",
        ["--namespace"] = "NAMESPACE",
        ["--routing-configmap"] = "ROUTING_CONFIGMAP",
        ["--router-name"] = "POD_NAME",
        ["--router-id"] = "ROUTER_ID",
        ["--port"] = "PORT",
        ["--grpc-port"] = "GRPC_PORT",
        ["--search-timeout-ms"] = "SEARCH_TIMEOUT_MS",
        ["--write-clock-uncertainty-ms"] = "WRITE_CLOCK_UNCERTAINTY_MS",
        ["--shard-concurrency-limit"] = "SHARD_CONCURRENCY_LIMIT",
        ["--shard-queue-limit"] = "SHARD_QUEUE_LIMIT",
        ["--hedging"] = "HEDGING",
        ["--hedge-min-delay-ms"] = "HEDGE_MIN_DELAY_MS",
        ["--tls-cert-file"] = "TLS_CERT_FILE",
        ["--tls-key-file"] = "TLS_KEY_FILE",
        ["--shard-ca-file"] = "SHARD_CA_FILE",
        ["--log-format"] = "LOG_FORMAT",
        ["--kubeconfig"] = "KUBECONFIG",
        ["--context"] = "KUBE_CONTEXT",
    };

    /// <exception cref="ArgumentException">A flag is unknown or a value is invalid; the message names it.</exception>
    public static (RouterOptions Options, RouterProcessSettings Process) Load(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            if (!FlagToVariable.TryGetValue(flag, out var variable))
            {
                throw new ArgumentException($"unknown flag '{flag}'; known flags: {string.Join(", ", FlagToVariable.Keys)}");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new ArgumentException($"flag '{flag}' needs a value");
            }

            values[variable] = value;
        }

        string? Get(string name) => values.TryGetValue(name, out var v) ? v : NullIfEmpty(environment(name));

        var collection = Get("COLLECTION") ?? throw new ArgumentException("the collection is not set: pass --collection or set COLLECTION");
        var options = new RouterOptions
        {
            Collection = collection,
            Namespace = Get("NAMESPACE") ?? NullIfEmpty(environment("POD_NAMESPACE")) ?? "default",
            RoutingConfigMap = Get("ROUTING_CONFIGMAP"),
            ApiKey = NullIfEmpty(environment("ROUTER_API_KEY")),
            QdrantApiKey = NullIfEmpty(environment("QDRANT_API_KEY")),
            RouterName = Get("POD_NAME") ?? Environment.MachineName,
            RouterId = Get("ROUTER_ID") is { } id ? ParseInt(id, "ROUTER_ID") : null,
            TlsCertificateFile = Get("TLS_CERT_FILE"),
            TlsKeyFile = Get("TLS_KEY_FILE"),
            ShardTrustFile = Get("SHARD_CA_FILE"),
        };
        if (Get("SEARCH_TIMEOUT_MS") is { } timeoutText)
        {
            // The collection's router.searchTimeoutMs, which the operator passes down; a request may still ask for
            // a longer deadline up to the maximum, so the maximum grows with it.
            var timeout = TimeSpan.FromMilliseconds(ParseInt(timeoutText, "SEARCH_TIMEOUT_MS"));
            if (timeout <= TimeSpan.Zero)
            {
                throw new ArgumentException($"SEARCH_TIMEOUT_MS {timeoutText} must be a positive number of milliseconds");
            }

            options = options with { DefaultSearchTimeout = timeout, MaxSearchTimeout = timeout > options.MaxSearchTimeout ? timeout : options.MaxSearchTimeout };
        }

        if (Get("WRITE_CLOCK_UNCERTAINTY_MS") is { } uncertainty)
        {
            options = options with { WriteClockUncertainty = TimeSpan.FromMilliseconds(ParseInt(uncertainty, "WRITE_CLOCK_UNCERTAINTY_MS")) };
        }

        if (Get("SHARD_CONCURRENCY_LIMIT") is { } concurrency)
        {
            options = options with { ShardConcurrencyLimit = ParseInt(concurrency, "SHARD_CONCURRENCY_LIMIT") };
        }

        if (Get("SHARD_QUEUE_LIMIT") is { } queue)
        {
            options = options with { ShardQueueLimit = ParseInt(queue, "SHARD_QUEUE_LIMIT") };
        }

        if (Get("HEDGING") is { } hedging)
        {
            options = options with
            {
                Hedging = bool.TryParse(hedging, out var on) ? on : throw new ArgumentException($"HEDGING '{hedging}' is not true or false"),
            };
        }

        if (Get("HEDGE_MIN_DELAY_MS") is { } hedgeDelay)
        {
            var delay = TimeSpan.FromMilliseconds(ParseInt(hedgeDelay, "HEDGE_MIN_DELAY_MS"));
            options = options with { HedgeMinimumDelay = delay, HedgeInitialDelay = delay > options.HedgeInitialDelay ? delay : options.HedgeInitialDelay };
        }

        options.Validate();

        var port = ReadPort(Get("PORT"), "PORT", 8080);
        var grpcPort = ReadPort(Get("GRPC_PORT"), "GRPC_PORT", 6334);
        if (grpcPort == port)
        {
            throw new ArgumentException($"GRPC_PORT and PORT are both {port}; gRPC needs a port of its own (HTTP/2 without TLS cannot share one with HTTP/1.1)");
        }

        var process = new RouterProcessSettings(port, grpcPort, Get("LOG_FORMAT") ?? "json", Get("KUBECONFIG"), Get("KUBE_CONTEXT"));
        return (options, process);
    }

    private static int ReadPort(string? text, string name, int defaultPort)
    {
        var port = text is null ? defaultPort : ParseInt(text, name);
        return port is < 1 or > 65535 ? throw new ArgumentException($"{name} {port} is outside 1..65535") : port;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int ParseInt(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name} '{text}' is not an integer");
}
