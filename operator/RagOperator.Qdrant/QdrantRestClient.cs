using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly;
using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant;

/// <summary>
/// What Qdrant offers only over REST — cluster and peers, shard transfers, snapshots — for one shard.
/// Points and collections go over gRPC (<see cref="QdrantShardClient"/>). One instance per shard; the
/// <see cref="HttpClient"/> may be shared between instances (URIs are absolute). Calls share the gRPC client's
/// retry and per-attempt timeout (<see cref="QdrantResilience"/>).
/// </summary>
public sealed partial class QdrantRestClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly QdrantClientOptions _options;
    private readonly ResiliencePipeline _retryingPipeline;
    private readonly ResiliencePipeline _singleAttemptPipeline;

    public QdrantRestClient(HttpClient httpClient, QdrantClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _options = options;
        BaseUri = options.BaseUri.AbsoluteUri.EndsWith('/') ? options.BaseUri : new Uri(options.BaseUri.AbsoluteUri + "/");
        _retryingPipeline = QdrantResilience.Build(options, retry: true);
        _singleAttemptPipeline = QdrantResilience.Build(options, retry: false);
    }

    /// <summary>A client that owns its own connection pool (disposed with the client).</summary>
    public QdrantRestClient(QdrantClientOptions options)
        : this(options, trust: null)
    {
    }

    /// <summary>
    /// A client that owns its own connection pool (disposed with the client) and accepts an https server only when
    /// <paramref name="trust"/> validates its certificate; null trusts the system's roots.
    /// </summary>
    public QdrantRestClient(QdrantClientOptions options, Tls.TrustBundle? trust)
        : this(new HttpClient(trust?.CreateHandler(PooledConnectionLifetime) ?? new SocketsHttpHandler { PooledConnectionLifetime = PooledConnectionLifetime })
        {
            // Per-attempt timeouts come from the resilience pipeline.
            Timeout = Timeout.InfiniteTimeSpan,
        }, options)
    {
        _ownsHttpClient = true;
    }

    internal static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    public Uri BaseUri { get; }

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    // ---- Plumbing ----

    private static string CollectionPath(string collection)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        return "collections/" + Uri.EscapeDataString(collection);
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
        return await QdrantResilience.ExecuteAsync(
            retry ? _retryingPipeline : _singleAttemptPipeline, _options, operation, request,
            static (state, attemptToken) => state.Client.SendOnceAsync(state, attemptToken), cancellationToken);
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

    private sealed record AttemptState<T>(
        QdrantRestClient Client, string Operation, HttpMethod Method, Uri Uri, Func<HttpContent>? Content, Func<byte[], T> Parse,
        CancellationToken CallerToken);
}
