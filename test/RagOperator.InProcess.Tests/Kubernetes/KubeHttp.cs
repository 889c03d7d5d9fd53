using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using RagOperator.InProcess.Kubernetes;

namespace RagOperator.InProcess.Tests.Kubernetes;

/// <summary>A response of the API server: status code, parsed JSON body and headers.</summary>
internal sealed record KubeResponse(HttpStatusCode Status, JsonObject Body, HttpResponseHeaders Headers)
{
    public int Code => (int)Status;

    public string ResourceVersion => Body["metadata"]!["resourceVersion"]!.GetValue<string>();

    public long Generation => Body["metadata"]!["generation"]!.GetValue<long>();
}

/// <summary>Raw REST calls against the in-process server, the way any Kubernetes client talks to it.</summary>
internal sealed class KubeHttp : IDisposable
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    private readonly HttpClient http;

    public KubeHttp(InProcessKubernetesApiServer server)
    {
        http = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("kube-tests/1.0");
    }

    public HttpClient Client => http;

    public Task<KubeResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null, null);

    public Task<KubeResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body.ToJsonString(), "application/json");

    public Task<KubeResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body.ToJsonString(), "application/json");

    public Task<KubeResponse> PatchAsync(string path, string contentType, string body) => SendAsync(HttpMethod.Patch, path, body, contentType);

    public Task<KubeResponse> ApplyAsync(string path, string manager, string body, bool force = false) =>
        SendAsync(HttpMethod.Patch, $"{path}?fieldManager={manager}{(force ? "&force=true" : "")}", body, ApplyPatch);

    public Task<KubeResponse> DeleteAsync(string path, JsonNode? body = null) =>
        SendAsync(HttpMethod.Delete, path, body?.ToJsonString(), body is null ? null : "application/json");

    public async Task<KubeResponse> SendAsync(HttpMethod method, string path, string? body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType!);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) as JsonObject ?? new JsonObject();
        return new KubeResponse(response.StatusCode, json, response.Headers);
    }

    /// <summary>Opens a watch; the caller reads events line by line.</summary>
    public async Task<WatchReader> WatchAsync(string pathAndQuery)
    {
        var separator = pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var request = new HttpRequestMessage(HttpMethod.Get, $"{pathAndQuery}{separator}watch=true");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new WatchReader(request, response, await response.Content.ReadAsStreamAsync());
    }

    public void Dispose() => http.Dispose();
}

/// <summary>Reads a watch stream one event at a time, each read bounded in time.</summary>
internal sealed class WatchReader(HttpRequestMessage request, HttpResponseMessage response, Stream stream) : IDisposable
{
    private readonly StreamReader reader = new(stream, Encoding.UTF8);

    public HttpStatusCode Status => response.StatusCode;

    /// <summary>The next event, or null when the server ended the stream in an orderly way.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var line = await reader.ReadLineAsync(cancel.Token);
        return line is null ? null : (JsonObject)JsonNode.Parse(line)!;
    }

    /// <summary>The next event that is not a BOOKMARK.</summary>
    public async Task<JsonObject> NextEventAsync(TimeSpan? timeout = null)
    {
        for (var i = 0; i < 1000; i++)
        {
            var next = await NextAsync(timeout) ?? throw new InvalidOperationException("the watch ended");
            if (next["type"]!.GetValue<string>() != "BOOKMARK")
            {
                return next;
            }
        }

        throw new InvalidOperationException("only bookmarks");
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
        request.Dispose();
    }
}

/// <summary>Small builders and helpers shared by the tests.</summary>
internal static class Objects
{
    public static JsonObject ConfigMap(string name, string ns = "default", Dictionary<string, string>? labels = null, Dictionary<string, string>? data = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (labels is not null)
        {
            metadata["labels"] = Map(labels);
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = metadata,
            ["data"] = Map(data ?? new Dictionary<string, string> { ["k"] = "v" }),
        };
    }

    public static JsonObject Map(Dictionary<string, string> values)
    {
        var map = new JsonObject();
        foreach (var (key, value) in values)
        {
            map[key] = value;
        }

        return map;
    }

    public static JsonObject OwnerRef(JsonObject owner, string apiVersion, string kind, bool block = false) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
        ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
        ["blockOwnerDeletion"] = block,
    };

    public static string Str(JsonNode? node) => node!.GetValue<string>();

    /// <summary>Polls until a condition holds, bounded by count and time; fails with the description otherwise.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        for (var attempt = 0; attempt < 3000; attempt++)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"never happened: {description}");
    }

    /// <summary>The repository's generated CRDs (crds/*.yaml), found by walking up from the test binaries.</summary>
    public static string CrdYaml(string file)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "crds", file)))
        {
            directory = directory.Parent;
        }

        return File.ReadAllText(Path.Combine(directory?.FullName ?? throw new FileNotFoundException(file), "crds", file));
    }
}
