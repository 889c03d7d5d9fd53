using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant;

/// <summary>
/// <see cref="IQdrantClient"/> over Qdrant's REST API. One instance per shard; the <see cref="HttpClient"/> may be
/// shared between instances (URIs are absolute). Each attempt has its own timeout; transient failures
/// (<see cref="QdrantException.IsTransient"/>) are retried with exponential backoff and jitter; other errors
/// surface at once. Writes default to <c>wait=true</c> so a returned write is applied.
/// </summary>
public sealed partial class QdrantClient : IQdrantClient, IQdrantAdminClient, IDisposable
{
    private static readonly ResiliencePropertyKey<string> OperationKey = new("qdrant.operation");
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly QdrantClientOptions _options;
    private readonly ResiliencePipeline _retryingPipeline;
    private readonly ResiliencePipeline _singleAttemptPipeline;

    public QdrantClient(HttpClient httpClient, QdrantClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _options = options;
        BaseUri = options.BaseUri.AbsoluteUri.EndsWith('/') ? options.BaseUri : new Uri(options.BaseUri.AbsoluteUri + "/");
        _retryingPipeline = BuildPipeline(options, retry: true);
        _singleAttemptPipeline = BuildPipeline(options, retry: false);
    }

    /// <summary>A client that owns its own connection pool (disposed with the client).</summary>
    public QdrantClient(QdrantClientOptions options)
        : this(options, trust: null)
    {
    }

    /// <summary>
    /// A client that owns its own connection pool (disposed with the client) and accepts an https server only when
    /// <paramref name="trust"/> validates its certificate; null trusts the system's roots.
    /// </summary>
    public QdrantClient(QdrantClientOptions options, Tls.TrustBundle? trust)
        : this(new HttpClient(trust?.CreateHandler(PooledConnectionLifetime) ?? new SocketsHttpHandler { PooledConnectionLifetime = PooledConnectionLifetime })
        {
            // Per-attempt timeouts come from the resilience pipeline.
            Timeout = Timeout.InfiniteTimeSpan,
        }, options)
    {
        _ownsHttpClient = true;
    }

    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    public Uri BaseUri { get; }

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    // ---- Service ----

    public Task<VersionInfo> GetVersionAsync(CancellationToken cancellationToken = default) =>
        SendAsync("get_version", HttpMethod.Get, string.Empty, null, ParseBare<VersionInfo>, retry: true, cancellationToken);

    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) => ProbeAsync("healthz", cancellationToken);

    public Task<bool> IsReadyAsync(CancellationToken cancellationToken = default) => ProbeAsync("readyz", cancellationToken);

    public Task<bool> IsLiveAsync(CancellationToken cancellationToken = default) => ProbeAsync("livez", cancellationToken);

    // ---- Collections ----

    public Task CreateCollectionAsync(string collection, CreateCollectionRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("create_collection", HttpMethod.Put, CollectionPath(collection), request, ParseResult<bool>, retry: true, cancellationToken);

    public Task<CollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        SendAsync("get_collection", HttpMethod.Get, CollectionPath(collection), null, ParseResult<CollectionInfo>, retry: true, cancellationToken);

    public async Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default)
    {
        var existence = await SendAsync(
            "collection_exists", HttpMethod.Get, CollectionPath(collection) + "/exists", null, ParseResult<CollectionExistence>,
            retry: true, cancellationToken);
        return existence.Exists;
    }

    public Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        SendAsync("delete_collection", HttpMethod.Delete, CollectionPath(collection), null, ParseResult<bool>, retry: true, cancellationToken);

    public Task UpdateCollectionAsync(string collection, UpdateCollectionRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("update_collection", HttpMethod.Patch, CollectionPath(collection), request, ParseResult<bool>, retry: true, cancellationToken);

    public Task<UpdateResult> CreatePayloadIndexAsync(
        string collection, string fieldName, PayloadSchemaType schema, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            "create_payload_index", HttpMethod.Put, CollectionPath(collection) + "/index" + WriteQuery(options),
            new CreateFieldIndexRequest(fieldName, schema), ParseResult<UpdateResult>, retry: true, cancellationToken);

    // ---- Points ----

    public Task<UpdateResult> UpsertAsync(
        string collection, IReadOnlyList<PointStruct> points, WriteOptions? options = null, Filter? updateFilter = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(
            "upsert_points", HttpMethod.Put, CollectionPath(collection) + "/points" + WriteQuery(options),
            new PointsList(points) { UpdateFilter = updateFilter, UpdateMode = options?.UpdateMode },
            ParseResult<UpdateResult>, retry: true, cancellationToken);

    public async Task<IReadOnlyList<RetrievedPoint>> RetrieveAsync(
        string collection, IReadOnlyList<PointId> ids, bool withPayload = true, bool withVector = false, CancellationToken cancellationToken = default)
    {
        var request = new RetrieveRequest(ids) { WithPayload = withPayload, WithVector = withVector };
        return await SendAsync(
            "retrieve_points", HttpMethod.Post, CollectionPath(collection) + "/points", request, ParseResult<RetrievedPoint[]>,
            retry: true, cancellationToken);
    }

    public Task<ScrollResult> ScrollAsync(string collection, ScrollRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("scroll_points", HttpMethod.Post, CollectionPath(collection) + "/points/scroll", request, ParseResult<ScrollResult>,
            retry: true, cancellationToken);

    public Task<UpdateResult> DeleteAsync(
        string collection, IReadOnlyList<PointId> ids, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            "delete_points", HttpMethod.Post, CollectionPath(collection) + "/points/delete" + WriteQuery(options), new PointIdsList(ids),
            ParseResult<UpdateResult>, retry: true, cancellationToken);

    public Task<UpdateResult> DeleteByFilterAsync(
        string collection, Filter filter, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(
            "delete_points_by_filter", HttpMethod.Post, CollectionPath(collection) + "/points/delete" + WriteQuery(options),
            new FilterSelector(filter), ParseResult<UpdateResult>, retry: true, cancellationToken);

    public async Task<ulong> CountAsync(string collection, Filter? filter = null, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync(
            "count_points", HttpMethod.Post, CollectionPath(collection) + "/points/count", new CountRequest { Filter = filter },
            ParseResult<CountResult>, retry: true, cancellationToken);
        return result.Count;
    }

    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(
        string collection, SearchRequest request, CancellationToken cancellationToken = default)
    {
        var response = await QueryAsync(collection, QueryRequest.From(request), cancellationToken);
        return response.Points;
    }

    public async Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchBatchAsync(
        string collection, IReadOnlyList<SearchRequest> requests, CancellationToken cancellationToken = default)
    {
        var batch = new QueryBatchRequest(requests.Select(QueryRequest.From).ToArray());
        var responses = await SendAsync(
            "query_points_batch", HttpMethod.Post, CollectionPath(collection) + "/points/query/batch", batch,
            ParseResult<QueryResponse[]>, retry: true, cancellationToken);
        return responses.Select(response => response.Points).ToArray();
    }

    public Task<QueryResponse> QueryAsync(string collection, QueryRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("query_points", HttpMethod.Post, CollectionPath(collection) + "/points/query", request, ParseResult<QueryResponse>,
            retry: true, cancellationToken);

    public Task<UpdateResult> SetPayloadAsync(
        string collection, JsonObject payload, IReadOnlyList<PointId>? ids, Filter? filter = null,
        WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (ids is null && filter is null)
        {
            throw new ArgumentException("Select the points to update by ids or by filter");
        }

        var request = new SetPayloadRequest(payload) { Points = ids, Filter = filter };
        return SendAsync(
            "set_payload", HttpMethod.Post, CollectionPath(collection) + "/points/payload" + WriteQuery(options), request,
            ParseResult<UpdateResult>, retry: true, cancellationToken);
    }

    // ---- Plumbing ----

    private static string CollectionPath(string collection)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        return "collections/" + Uri.EscapeDataString(collection);
    }

    private static string WriteQuery(WriteOptions? options)
    {
        options ??= WriteOptions.Default;
        var query = new StringBuilder("?wait=").Append(options.Wait ? "true" : "false");
        if (options.Ordering is { } ordering)
        {
            query.Append("&ordering=").Append(ordering.ToString().ToLowerInvariant());
        }

        return query.ToString();
    }

    private async Task<bool> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync("probe_" + path, HttpMethod.Get, path, null, static _ => true, retry: false, cancellationToken);
            return true;
        }
        catch (QdrantException)
        {
            return false;
        }
    }

    private Task<T> SendAsync<T>(
        string operation, HttpMethod method, string relativePath, object? body, Func<byte[], T> parse, bool retry,
        CancellationToken cancellationToken)
    {
        // Serialised once, re-sent on every attempt.
        var payload = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), QdrantJson.Options);
        Func<HttpContent>? content = payload is null ? null : () =>
        {
            var json = new ByteArrayContent(payload);
            json.Headers.ContentType = JsonMediaType;
            return json;
        };
        return SendContentAsync(operation, method, relativePath, content, parse, retry, cancellationToken);
    }

    private async Task<T> SendContentAsync<T>(
        string operation, HttpMethod method, string relativePath, Func<HttpContent>? content, Func<byte[], T> parse, bool retry,
        CancellationToken cancellationToken)
    {
        var request = new AttemptState<T>(this, operation, method, new Uri(BaseUri, relativePath), content, parse, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, operation);
        try
        {
            var pipeline = retry ? _retryingPipeline : _singleAttemptPipeline;
            return await pipeline.ExecuteAsync(
                static (ctx, state) => state.Client.SendOnceAsync(state, ctx.CancellationToken), context, request);
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new QdrantException(
                operation, BaseUri, null, $"no response within {_options.RequestTimeout.TotalSeconds:0.###}s", isTransient: true, timeout);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<T> SendOnceAsync<T>(AttemptState<T> state, CancellationToken attemptToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "success";
        try
        {
            using var message = new HttpRequestMessage(state.Method, state.Uri);
            if (state.Content is not null)
            {
                message.Content = state.Content();
            }

            if (!string.IsNullOrEmpty(_options.ApiKey))
            {
                message.Headers.TryAddWithoutValidation("api-key", _options.ApiKey);
            }

            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, attemptToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(attemptToken);
            if (!response.IsSuccessStatusCode)
            {
                var transient = QdrantException.IsTransientStatus(response.StatusCode);
                outcome = transient ? "server_error" : "client_error";
                throw new QdrantException(state.Operation, BaseUri, response.StatusCode, ExtractError(bytes), transient);
            }

            try
            {
                return state.Parse(bytes);
            }
            catch (JsonException parseError)
            {
                outcome = "bad_response";
                throw new QdrantException(
                    state.Operation, BaseUri, response.StatusCode, $"unexpected response: {parseError.Message}", isTransient: false, parseError);
            }
        }
        catch (HttpRequestException connectionError)
        {
            outcome = "unreachable";
            throw new QdrantException(
                state.Operation, BaseUri, null, QdrantException.DescribeConnectionError(connectionError), isTransient: true, connectionError);
        }
        catch (IOException ioError)
        {
            outcome = "unreachable";
            throw new QdrantException(
                state.Operation, BaseUri, null, $"connection failed ({ioError.Message})", isTransient: true, ioError);
        }
        catch (OperationCanceledException canceled) when (!attemptToken.IsCancellationRequested)
        {
            // HttpClient.Timeout of a caller-supplied client fired: a timeout, not a cancellation.
            outcome = "timeout";
            throw new QdrantException(state.Operation, BaseUri, null, "HTTP client timeout", isTransient: true, canceled);
        }
        catch (OperationCanceledException)
        {
            outcome = state.CallerToken.IsCancellationRequested ? "canceled" : "timeout";
            throw;
        }
        finally
        {
            QdrantMetrics.Record(state.Operation, outcome, BaseUri.Authority, Stopwatch.GetElapsedTime(started));
        }
    }

    private static T ParseResult<T>(byte[] body)
    {
        var envelope = JsonSerializer.Deserialize<QdrantResponse<T>>(body, QdrantJson.Options)
            ?? throw new JsonException("empty response body");
        return envelope.Result is null ? throw new JsonException("response has no result") : envelope.Result;
    }

    private static T ParseBare<T>(byte[] body) =>
        JsonSerializer.Deserialize<T>(body, QdrantJson.Options) ?? throw new JsonException("empty response body");

    /// <summary>Qdrant's message from <c>{"status":{"error":"..."}}</c>, or the text body (authentication errors are plain text).</summary>
    internal static string ExtractError(byte[] body)
    {
        if (body.Length == 0)
        {
            return "(empty response body)";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("status", out var status) &&
                status.ValueKind == JsonValueKind.Object &&
                status.TryGetProperty("error", out var error) &&
                error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through to the raw text.
        }

        var text = Encoding.UTF8.GetString(body);
        return text.Length > 2000 ? text[..2000] : text;
    }

    private static ResiliencePipeline BuildPipeline(QdrantClientOptions options, bool retry)
    {
        var builder = new ResiliencePipelineBuilder();
        if (retry && options.MaxRetries > 0)
        {
            var shard = options.BaseUri;
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder()
                    .Handle<QdrantException>(error => error.IsTransient)
                    .Handle<TimeoutRejectedException>(),
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, "unknown");
                    QdrantMetrics.Retries.Add(
                        1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("server.address", shard.Authority));
                    options.OnRetry?.Invoke(new QdrantRetryEvent(
                        operation, shard, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception));
                    return default;
                },
            });
        }

        if (options.RequestTimeout > TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(options.RequestTimeout);
        }

        return builder.Build();
    }

    private sealed record AttemptState<T>(
        QdrantClient Client, string Operation, HttpMethod Method, Uri Uri, Func<HttpContent>? Content, Func<byte[], T> Parse,
        CancellationToken CallerToken);
}
