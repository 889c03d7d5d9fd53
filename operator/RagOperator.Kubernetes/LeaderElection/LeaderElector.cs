using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;

namespace RagOperator.Kubernetes.LeaderElection;

/// <summary>
/// client-go style leader election on a Lease, with optimistic concurrency on its resourceVersion.
/// <para>
/// A standby takes the lease when the record has not changed for the record's leaseDurationSeconds, measured on
/// its own monotonic clock from when it first saw the current record (so clock skew between replicas does not
/// matter). The leader renews every RetryPeriod; leadership is valid until RenewDeadline after the start of its
/// last successful renew request. Because that instant precedes the server's write, and a standby only starts
/// counting after the write, the leader's <see cref="IsLeader"/> turns false (and the leading token is cancelled)
/// at least LeaseDuration − RenewDeadline before any standby can acquire.
/// </para>
/// </summary>
public sealed class LeaderElector : IDisposable
{
    private readonly IKubernetesClient client;
    private readonly LeaderElectionOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private Lease? observed;
    private long observedAt;
    private long validUntil;
    private bool leading;

    // Set from sending a lease write until one succeeds: a write cut off by a stop, a timeout or the network may have
    // been committed, and even a conflict can be the answer to a retry of a write that was. Only RunAsync's flow uses it.
    private bool writeUnanswered;

    public LeaderElector(IKubernetesClient client, LeaderElectionOptions options, ILogger? logger = null)
    {
        options.Validate();
        this.client = client;
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        time = options.TimeProvider;
        options.Metrics?.Track(this);
    }

    public string LeaseName => options.LeaseName;
    public string Identity => options.Identity;

    /// <summary>True only while this replica holds the lease and its renew deadline has not passed.</summary>
    public bool IsLeader
    {
        get
        {
            lock (gate) return leading && time.GetTimestamp() < validUntil;
        }
    }

    /// <summary>The holder named by the lease record as last observed (null when free or unknown).</summary>
    public string? ObservedLeader
    {
        get
        {
            lock (gate) return observed?.Spec.HolderIdentity is { Length: > 0 } holder ? holder : null;
        }
    }

    /// <summary>
    /// Campaigns until elected, runs <paramref name="onStartedLeading"/> with a token that is cancelled when
    /// leadership ends, and returns when leadership is lost, when that work ends, or when
    /// <paramref name="cancellationToken"/> is cancelled (then, after the work has stopped, the lease is released).
    /// <paramref name="onStoppedLeading"/> runs after the work has stopped, only if this replica led.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading = null, CancellationToken cancellationToken = default)
    {
        if (!await AcquireAsync(cancellationToken))
        {
            // A stop can cut off an acquiring write the server has already committed: give up what may be ours
            // rather than leave the standbys waiting for it to expire.
            if (options.ReleaseOnCancel && cancellationToken.IsCancellationRequested && writeUnanswered) await ReleaseAsync();
            return;
        }

        using var leadership = new CancellationTokenSource(options.RenewDeadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(leadership.Token, cancellationToken);
        lock (gate)
        {
            // Re-arm from the start of the acquiring request (validUntil), not from now.
            var remaining = TimeSpan.FromTicks(Math.Max(0, validUntil - time.GetTimestamp()) * TimeSpan.TicksPerSecond / time.TimestampFrequency);
            leadership.CancelAfter(remaining);
        }
        logger.LogInformation("{Identity} became leader of lease {Namespace}/{Lease}", options.Identity, options.Namespace, options.LeaseName);

        var work = Task.Run(() => onStartedLeading(linked.Token), CancellationToken.None);
        try
        {
            await RenewLoopAsync(leadership, work, linked.Token);
        }
        finally
        {
            lock (gate) leading = false;
            await linked.CancelAsync();
            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
                // The work honoured the leadership token.
            }
            catch (Exception e)
            {
                logger.LogError(e, "Leader work of {Identity} failed; stepping down", options.Identity);
            }
            var lost = leadership.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            if (lost) logger.LogWarning("{Identity} lost lease {Namespace}/{Lease}: no renewal within {Deadline}", options.Identity, options.Namespace, options.LeaseName, options.RenewDeadline);
            else if (options.ReleaseOnCancel) await ReleaseAsync();
            onStoppedLeading?.Invoke();
        }
    }

    public void Dispose() => options.Metrics?.Untrack(this);

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(options.RenewDeadline, cancellationToken))
            {
                lock (gate) leading = true;
                return true;
            }
            if (!await DelayAsync(Jittered(options.RetryPeriod), cancellationToken)) return false;
        }
        return false;
    }

    private async Task RenewLoopAsync(CancellationTokenSource leadership, Task work, CancellationToken token)
    {
        while (!token.IsCancellationRequested && !work.IsCompleted)
        {
            // Wake early when the work ends: leadership is held only while it runs.
            var pause = DelayAsync(options.RetryPeriod, token);
            if (await Task.WhenAny(pause, work) == work || !await pause) return;
            var start = time.GetTimestamp();
            var remaining = TimeSpan.FromTicks(Math.Max(0, ReadValidUntil() - start) * TimeSpan.TicksPerSecond / time.TimestampFrequency);
            if (remaining <= TimeSpan.Zero) return;
            if (await TryAcquireOrRenewAsync(remaining, token))
            {
                try
                {
                    var left = options.RenewDeadline - time.GetElapsedTime(start);
                    leadership.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One attempt: create the lease, take it over if expired, or renew it if ours.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        var attemptStart = time.GetTimestamp();
        var now = time.GetUtcNow();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(attemptTimeout);
        try
        {
            var lease = await client.TryGetAsync<Lease>(options.LeaseName, options.Namespace, deadline.Token);
            if (lease is null)
            {
                writeUnanswered = true;
                var created = await client.CreateAsync(new Lease
                {
                    Metadata = new ObjectMeta { Name = options.LeaseName, Namespace = options.Namespace },
                    Spec = new LeaseSpec
                    {
                        HolderIdentity = options.Identity,
                        LeaseDurationSeconds = LeaseSeconds,
                        AcquireTime = now,
                        RenewTime = now,
                        LeaseTransitions = 0,
                    },
                }, deadline.Token);
                writeUnanswered = false;
                Observe(created, attemptStart);
                return true;
            }

            var seenAt = time.GetTimestamp();
            bool expired;
            lock (gate)
            {
                if (observed?.Metadata.ResourceVersion != lease.Metadata.ResourceVersion)
                {
                    if (observed?.Spec.HolderIdentity != lease.Spec.HolderIdentity)
                        logger.LogInformation("Lease {Namespace}/{Lease} is held by '{Holder}'", options.Namespace, options.LeaseName, lease.Spec.HolderIdentity);
                    observed = lease;
                    observedAt = seenAt;
                }
                var duration = TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? LeaseSeconds);
                expired = time.GetElapsedTime(observedAt, seenAt) >= duration;
            }
            var holder = lease.Spec.HolderIdentity;
            var ours = holder == options.Identity;
            if (!string.IsNullOrEmpty(holder) && !ours && !expired) return false;

            lease.Spec.HolderIdentity = options.Identity;
            lease.Spec.LeaseDurationSeconds = LeaseSeconds;
            lease.Spec.RenewTime = now;
            if (!ours)
            {
                lease.Spec.AcquireTime = now;
                lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + 1;
            }
            writeUnanswered = true;
            var updated = await client.UpdateAsync(lease, deadline.Token);
            writeUnanswered = false;
            Observe(updated, attemptStart);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("Lease attempt by {Identity} timed out", options.Identity);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (ConflictException)
        {
            // Someone else wrote the lease first (or created it): they win this round.
            return false;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            logger.LogWarning(e, "Lease attempt by {Identity} failed", options.Identity);
            return false;
        }
    }

    /// <summary>Records our own successful write: leadership is valid until RenewDeadline after the attempt began.</summary>
    private void Observe(Lease lease, long attemptStart)
    {
        lock (gate)
        {
            observed = lease;
            observedAt = time.GetTimestamp();
            validUntil = attemptStart + (long)(options.RenewDeadline.TotalSeconds * time.TimestampFrequency);
        }
    }

    private long ReadValidUntil()
    {
        lock (gate) return validUntil;
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var deadline = new CancellationTokenSource(options.RenewDeadline);
            var lease = await client.TryGetAsync<Lease>(options.LeaseName, options.Namespace, deadline.Token);
            if (lease is null || lease.Spec.HolderIdentity != options.Identity) return;
            var now = time.GetUtcNow();
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = now;
            lease.Spec.AcquireTime = now;
            await client.UpdateAsync(lease, deadline.Token);
            logger.LogInformation("{Identity} released lease {Namespace}/{Lease}", options.Identity, options.Namespace, options.LeaseName);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            // Not fatal: the lease simply expires after LeaseDuration.
            logger.LogWarning(e, "{Identity} could not release lease {Namespace}/{Lease}", options.Identity, options.Namespace, options.LeaseName);
        }
    }

    private int LeaseSeconds => (int)Math.Ceiling(options.LeaseDuration.TotalSeconds);

    private static TimeSpan Jittered(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
