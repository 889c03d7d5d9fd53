using System.Runtime.CompilerServices;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Client;

public static class KubernetesClientExtensions
{
    /// <summary>The object, or null when it does not exist.</summary>
    public static async Task<T?> TryGetAsync<T>(this IKubernetesClient client, string name, string? @namespace = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        try
        {
            return await client.GetAsync<T>(name, @namespace, cancellationToken);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>Every item, following <c>continue</c> tokens page by page.</summary>
    public static async IAsyncEnumerable<T> ListAllAsync<T>(
        this IKubernetesClient client, string? @namespace = null, ListOptions? options = null, int pageSize = 500,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var page = (options ?? new ListOptions()) with { Limit = pageSize, Continue = null };
        while (true)
        {
            var list = await client.ListAsync<T>(@namespace, page, cancellationToken);
            foreach (var item in list.Items) yield return item;
            if (string.IsNullOrEmpty(list.Metadata.Continue)) yield break;
            page = page with { Continue = list.Metadata.Continue };
        }
    }

    /// <summary>Deletes the object; false when it was already gone.</summary>
    public static async Task<bool> DeleteIfExistsAsync<T>(
        this IKubernetesClient client, string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        try
        {
            await client.DeleteAsync<T>(name, @namespace, options, cancellationToken);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }
}

/// <summary>Optimistic-concurrency helper: re-run a read-modify-write when it lost a race.</summary>
public static class KubernetesRetry
{
    public const int DefaultAttempts = 5;

    /// <summary>
    /// Runs <paramref name="action"/> (which must re-read the object each time) until it does not fail with a
    /// stale-resourceVersion <see cref="ConflictException"/>, at most <paramref name="maxAttempts"/> times.
    /// AlreadyExists is not retried: re-running a create cannot succeed.
    /// </summary>
    public static async Task<T> RetryOnConflictAsync<T>(Func<Task<T>> action, int maxAttempts = DefaultAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (ConflictException e) when (!e.IsAlreadyExists && attempt < maxAttempts)
            {
                // A short, growing, jittered pause lets the competing writer finish.
                var delay = TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * attempt);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    public static Task RetryOnConflictAsync(Func<Task> action, int maxAttempts = DefaultAttempts, CancellationToken cancellationToken = default) =>
        RetryOnConflictAsync(async () =>
        {
            await action();
            return true;
        }, maxAttempts, cancellationToken);
}
