using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Resources;

namespace RagOperator.Kubernetes.Client;

/// <summary>
/// <see cref="IKubernetesClient"/> over HttpClient, speaking the Kubernetes REST protocol. Retries 429 for every
/// verb (the server rejected the request before acting on it) and 5xx / transport errors / attempt timeouts for
/// idempotent verbs (get, list, update, delete, apply, merge patch), with exponential backoff and jitter that
/// yields to the server's Retry-After.
/// </summary>
public sealed class KubernetesClient : IKubernetesClient, IDisposable
{
    private readonly HttpClient http;
    private readonly string baseUrl;
    private readonly KubernetesClientConfiguration configuration;
    private readonly KubernetesClientOptions options;
    private readonly ILogger logger;
    private readonly ResiliencePipeline<HttpResponseMessage> idempotentPipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> throttledOnlyPipeline;

    /// <param name="handler">Replaces the TLS handler built from <paramref name="configuration"/> (tests, proxies); the client disposes it.</param>
    public KubernetesClient(
        KubernetesClientConfiguration configuration,
        KubernetesClientOptions? options = null,
        ILogger<KubernetesClient>? logger = null,
        HttpMessageHandler? handler = null)
    {
        this.configuration = configuration;
        this.options = options ?? new KubernetesClientOptions();
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        // Watches stream for minutes; each non-watch attempt has its own deadline instead.
        http = new HttpClient(handler ?? configuration.CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(this.options.UserAgent);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (configuration.Username is not null)
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{configuration.Username}:{configuration.Password}"));
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
        baseUrl = configuration.Server.AbsoluteUri.TrimEnd('/');
        idempotentPipeline = BuildPipeline(idempotent: true);
        throttledOnlyPipeline = BuildPipeline(idempotent: false);
    }

    public string DefaultNamespace => configuration.Namespace;

    public async Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var resource = ResourceTypes.For<T>();
        var path = resource.ItemPath(NamespaceFor(resource, @namespace), name);
        return await SendForObjectAsync<T>(new ApiRequest(HttpMethod.Get, path, "get", resource.Plural, Idempotent: true), cancellationToken);
    }

    public async Task<KubernetesList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var resource = ResourceTypes.For<T>();
        var query = new QueryBuilder()
            .Add("labelSelector", options?.LabelSelector)
            .Add("fieldSelector", options?.FieldSelector)
            .Add("limit", options?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("continue", options?.Continue)
            .Add("resourceVersion", options?.ResourceVersion)
            .Add("resourceVersionMatch", options?.ResourceVersionMatch);
        var path = resource.CollectionPath(@namespace) + query;
        return await SendForObjectAsync<KubernetesList<T>>(new ApiRequest(HttpMethod.Get, path, "list", resource.Plural, Idempotent: true), cancellationToken);
    }

    public async Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var resource = ResourceTypes.For<T>();
        var path = resource.CollectionPath(NamespaceFor(resource, obj.Metadata.Namespace)) + new QueryBuilder().Add("fieldManager", options.FieldManager);
        var request = new ApiRequest(HttpMethod.Post, path, "create", resource.Plural, Idempotent: false, Body: KubernetesJson.Serialize(obj));
        return await SendForObjectAsync<T>(request, cancellationToken);
    }

    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => PutAsync(obj, subresource: null, cancellationToken);

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => PutAsync(obj, subresource: "status", cancellationToken);

    public Task<T> PatchAsync<T>(string name, string? @namespace, KubernetesPatch patch, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => SendPatchAsync<T>(name, @namespace, patch, subresource: null, "patch", fieldManager: options.FieldManager, force: false, cancellationToken);

    public Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubernetesPatch patch, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => SendPatchAsync<T>(name, @namespace, patch, subresource: "status", "patch", fieldManager: options.FieldManager, force: false, cancellationToken);

    public Task<T> ApplyAsync<T>(T obj, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => ApplyCoreAsync(obj, options, subresource: null, cancellationToken);

    public Task<T> ApplyConfigurationAsync<T>(JsonObject configuration, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var name = configuration["metadata"]?["name"]?.GetValue<string>() ?? throw new ArgumentException("The configuration has no metadata.name.", nameof(configuration));
        var @namespace = configuration["metadata"]?["namespace"]?.GetValue<string>();
        var patch = new KubernetesPatch(KubernetesPatch.ApplyPatchContentType, configuration.ToJsonString());
        return SendPatchAsync<T>(name, @namespace, patch, subresource: null, "apply", options.FieldManager, options.Force, cancellationToken);
    }

    public Task<T> ApplyStatusAsync<T>(T obj, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => ApplyCoreAsync(obj, options, subresource: "status", cancellationToken);

    public async Task DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var resource = ResourceTypes.For<T>();
        var path = resource.ItemPath(NamespaceFor(resource, @namespace), name);
        var body = (options ?? new DeleteOptions()).ToBody().ToJsonString();
        using var response = await SendAsync(new ApiRequest(HttpMethod.Delete, path, "delete", resource.Plural, Idempotent: true, Body: body), streaming: false, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        string? @namespace = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        options ??= new WatchOptions();
        var resource = ResourceTypes.For<T>();
        var query = new QueryBuilder()
            .Add("watch", "true")
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowWatchBookmarks ? "true" : null)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector);
        var request = new ApiRequest(HttpMethod.Get, resource.CollectionPath(@namespace) + query, "watch", resource.Plural, Idempotent: true);
        using var response = await SendAsync(request, streaming: true, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // One JSON object per line; chunk boundaries may fall anywhere, the reader reassembles lines.
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0) continue;
            yield return WatchEventParser.Parse<T>(line);
        }
    }

    public void Dispose() => http.Dispose();

    private Task<T> PutAsync<T>(T obj, string? subresource, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var resource = ResourceTypes.For<T>();
        var path = resource.ItemPath(NamespaceFor(resource, obj.Metadata.Namespace), RequireName(obj))
                   + (subresource is null ? "" : "/" + subresource)
                   + new QueryBuilder().Add("fieldManager", options.FieldManager);
        var request = new ApiRequest(HttpMethod.Put, path, "update", Tag(resource, subresource), Idempotent: true, Body: KubernetesJson.Serialize(obj));
        return SendForObjectAsync<T>(request, cancellationToken);
    }

    private Task<T> ApplyCoreAsync<T>(T obj, ApplyOptions apply, string? subresource, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        // managedFields must be empty in an apply body, and a stale uid/creationTimestamp would be rejected or ignored.
        var body = JsonSerializer.SerializeToNode(obj, KubernetesJson.Options)!.AsObject();
        if (body["metadata"] is JsonObject metadata)
        {
            metadata.Remove("managedFields");
            metadata.Remove("creationTimestamp");
            metadata.Remove("uid");
            metadata.Remove("generation");
        }
        var patch = new KubernetesPatch(KubernetesPatch.ApplyPatchContentType, body.ToJsonString());
        return SendPatchAsync<T>(RequireName(obj), obj.Metadata.Namespace, patch, subresource, "apply", apply.FieldManager, apply.Force, cancellationToken);
    }

    private async Task<T> SendPatchAsync<T>(
        string name, string? @namespace, KubernetesPatch patch, string? subresource, string verb, string? fieldManager, bool force, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var resource = ResourceTypes.For<T>();
        var query = new QueryBuilder().Add("fieldManager", fieldManager).Add("force", force ? "true" : null);
        var path = resource.ItemPath(NamespaceFor(resource, @namespace), name) + (subresource is null ? "" : "/" + subresource) + query;
        var request = new ApiRequest(HttpMethod.Patch, path, verb, Tag(resource, subresource), patch.IsIdempotent, patch.Body, patch.ContentType);
        return await SendForObjectAsync<T>(request, cancellationToken);
    }

    private async Task<TResult> SendForObjectAsync<TResult>(ApiRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, streaming: false, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        return KubernetesJson.Deserialize<TResult>(json);
    }

    private async Task<HttpResponseMessage> SendAsync(ApiRequest request, bool streaming, CancellationToken cancellationToken)
    {
        var pipeline = request.Idempotent ? idempotentPipeline : throttledOnlyPipeline;
        return await pipeline.ExecuteAsync(
            static async (state, token) => await state.client.AttemptAsync(state.request, state.streaming, token),
            (client: this, request, streaming),
            cancellationToken);
    }

    private async ValueTask<HttpResponseMessage> AttemptAsync(ApiRequest request, bool streaming, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, baseUrl + request.PathAndQuery);
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType ?? "application/json");
        }
        if (configuration.TokenProvider is { } tokens)
            message.Headers.Authorization = await tokens.GetAuthenticationHeaderAsync(cancellationToken);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.RequestTimeout);
        try
        {
            var response = await http.SendAsync(
                message, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, deadline.Token);
            options.Metrics?.Record(request.Verb, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), request.Resource);
            return response;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            options.Metrics?.Record(request.Verb, "error", request.Resource);
            throw new TimeoutException($"{request.Method} {request.PathAndQuery} did not answer within {options.RequestTimeout}", e);
        }
        catch (HttpRequestException)
        {
            options.Metrics?.Record(request.Verb, "error", request.Resource);
            throw;
        }
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline(bool idempotent)
    {
        var retry = new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(1, options.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.RetryMaxDelay,
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, idempotent)),
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            OnRetry = args =>
            {
                logger.LogDebug("Kubernetes API attempt {Attempt} failed ({Outcome}); retrying in {Delay}",
                    args.AttemptNumber + 1, args.Outcome.Result?.StatusCode.ToString() ?? args.Outcome.Exception?.GetType().Name, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        };
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider };
        if (options.MaxRetries > 0) builder.AddRetry(retry);
        return builder.Build();
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, bool idempotent)
    {
        if (outcome.Result is { } response)
        {
            var code = (int)response.StatusCode;
            return code == (int)HttpStatusCode.TooManyRequests || (idempotent && code >= 500);
        }
        return idempotent && outcome.Exception is HttpRequestException or TimeoutException or IOException;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response?.Headers.RetryAfter is not { } header) return null;
        var delay = header.Delta ?? (header.Date is { } date ? date - options.TimeProvider.GetUtcNow() : null);
        if (delay is null) return null;
        if (delay < TimeSpan.Zero) return TimeSpan.Zero;
        return delay > options.MaxRetryAfter ? options.MaxRetryAfter : delay;
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = ParseStatus(body, (int)response.StatusCode, response.ReasonPhrase);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        throw KubernetesApiException.From(status, retryAfter);
    }

    internal static Status ParseStatus(string body, int code, string? reasonPhrase)
    {
        try
        {
            if (body.Length > 0 && body.TrimStart().StartsWith('{'))
            {
                var status = KubernetesJson.Deserialize<Status>(body);
                if (status.Kind == "Status")
                {
                    status.Code ??= code;
                    return status;
                }
            }
        }
        catch (JsonException)
        {
            // Not a Status (a proxy's HTML error page, for example): fall through to a synthetic one.
        }
        return new Status
        {
            Outcome = "Failure",
            Code = code,
            Reason = reasonPhrase?.Replace(" ", "", StringComparison.Ordinal),
            Message = body.Length == 0 ? reasonPhrase : body.Length > 500 ? body[..500] : body,
        };
    }

    private string? NamespaceFor(ResourceType resource, string? @namespace) =>
        resource.Namespaced ? (string.IsNullOrEmpty(@namespace) ? configuration.Namespace : @namespace) : null;

    private static string RequireName(IKubernetesObject obj) =>
        obj.Metadata.Name is { Length: > 0 } name ? name : throw new ArgumentException($"{obj.Kind} has no metadata.name");

    private static string Tag(ResourceType resource, string? subresource) => subresource is null ? resource.Plural : $"{resource.Plural}/{subresource}";

    private sealed record ApiRequest(
        HttpMethod Method, string PathAndQuery, string Verb, string Resource, bool Idempotent, string? Body = null, string? ContentType = null);

    private sealed class QueryBuilder
    {
        private readonly StringBuilder text = new();

        public QueryBuilder Add(string name, string? value)
        {
            if (string.IsNullOrEmpty(value)) return this;
            text.Append(text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            return this;
        }

        public override string ToString() => text.ToString();
    }
}
