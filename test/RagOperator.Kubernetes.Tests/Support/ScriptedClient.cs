using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Tests.Support;

/// <summary>
/// An <see cref="IKubernetesClient"/> whose list and watch answers are scripted, for reflector logic tests.
/// Each watch is a channel the test writes events into and then completes (stream end) or faults (error).
/// </summary>
public sealed class ScriptedClient : IKubernetesClient
{
    private readonly Lock gate = new();
    private readonly Queue<Func<ListOptions?, object>> lists = new();
    private readonly Channel<Channel<object>> openedWatches = Channel.CreateUnbounded<Channel<object>>();

    public List<ListOptions?> ListCalls { get; } = [];
    public List<WatchOptions> WatchCalls { get; } = [];
    public string DefaultNamespace => "default";

    public void EnqueueList<T>(string resourceVersion, params T[] items)
        where T : class, IKubernetesObject =>
        EnqueueList(_ => new KubernetesList<T> { Metadata = new ListMeta { ResourceVersion = resourceVersion }, Items = items.ToList() });

    public void EnqueueList<T>(Func<ListOptions?, KubernetesList<T>> page)
        where T : class, IKubernetesObject
    {
        lock (gate) lists.Enqueue(page);
    }

    public void EnqueueListFailure(Exception exception)
    {
        lock (gate) lists.Enqueue(_ => throw exception);
    }

    /// <summary>The next watch the code under test opens; write events, then Complete or fault it.</summary>
    public async Task<ChannelWriter<object>> NextWatchAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var channel = await openedWatches.Reader.ReadAsync(timeout.Token);
        return channel.Writer;
    }

    public Task<KubernetesList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        Func<ListOptions?, object> next;
        lock (gate)
        {
            ListCalls.Add(options);
            if (lists.Count == 0) throw new InvalidOperationException("no scripted list left");
            next = lists.Dequeue();
        }
        return Task.FromResult((KubernetesList<T>)next(options));
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var channel = Channel.CreateUnbounded<object>();
        lock (gate) WatchCalls.Add(options!);
        await openedWatches.Writer.WriteAsync(channel, cancellationToken);
        await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken)) yield return (WatchEvent<T>)item;
    }

    public Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> PatchAsync<T>(string name, string? @namespace, KubernetesPatch patch, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubernetesPatch patch, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> ApplyAsync<T>(T obj, ApplyOptions options, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();

    public Task<T> ApplyConfigurationAsync<T>(System.Text.Json.Nodes.JsonObject configuration, ApplyOptions options, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task<T> ApplyStatusAsync<T>(T obj, ApplyOptions options, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();
    public Task DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default) where T : class, IKubernetesObject => throw new NotSupportedException();

    public static ConfigMap Map(string name, string resourceVersion, string value = "") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "rag", ResourceVersion = resourceVersion },
        Data = new Dictionary<string, string> { ["v"] = value },
    };

    public static WatchEvent<ConfigMap> Event(WatchEventType type, string name, string resourceVersion, string value = "") => new(type, Map(name, resourceVersion, value));
}
