namespace RagOperator.Routing;

/// <summary>
/// Issues strictly increasing write versions (layout in <see cref="WriteVersion"/>) for one router replica, and orders
/// them across replicas by commit wait (<see cref="WaitUntilOrderedAsync"/>).
/// The physical part follows the wall clock but never goes backwards: if the clock steps back, the clock keeps
/// the last physical time and counts up the logical part; when 4096 versions are issued within one millisecond
/// the physical part borrows the next millisecond. <see cref="Observe"/> merges a version seen elsewhere (for
/// example the one stored on a point), so the next version issued here is above it and the later write wins.
/// <para>Why commit wait: replicas do not see each other's versions. A client that writes a point through one replica
/// and, once acknowledged, again through another, could otherwise get a lower version for the later write (same
/// millisecond and a lower logical counter there, or a clock a little behind). The migration compares versions to tell
/// the newer copy of a point (the copier's guard, the verify repairs), so it would keep the older write and lose the
/// acknowledged one. A write is therefore acknowledged only once every replica's clock, allowing for
/// <see cref="Uncertainty"/> between them, is past its version's millisecond: any write issued after the
/// acknowledgement gets a higher version, whichever replica issues it.</para>
/// Thread-safe.
/// </summary>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider clock;
    private readonly Lock gate = new();

    // The last issued or observed (physical, logical) pair, without router id.
    private long lastPhysical;
    private int lastLogical = -1;

    /// <param name="uncertainty">The largest difference between the clocks of two replicas (see <see cref="Uncertainty"/>).</param>
    public HybridLogicalClock(int routerId, TimeProvider? clock = null, TimeSpan uncertainty = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(routerId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(routerId, WriteVersion.MaxRouterId);
        ArgumentOutOfRangeException.ThrowIfLessThan(uncertainty, TimeSpan.Zero);
        RouterId = routerId;
        Uncertainty = uncertainty;
        this.clock = clock ?? TimeProvider.System;
    }

    public int RouterId { get; }

    /// <summary>
    /// How far the wall clocks of two replicas may be apart. Commit wait covers it, so ordering across replicas holds
    /// as long as the clocks really are this close (NTP or chrony keep nodes of one cluster well within a few ms).
    /// </summary>
    public TimeSpan Uncertainty { get; }

    /// <summary>
    /// How long until a version issued by any replica is above <paramref name="version"/>: until this clock reads at
    /// least one millisecond past the version's physical part plus <see cref="Uncertainty"/>. Zero once that holds.
    /// </summary>
    public TimeSpan UntilOrdered(long version)
    {
        var release = WriteVersion.Decompose(version).Timestamp + TimeSpan.FromMilliseconds(1) + Uncertainty;
        var left = release - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// Waits until <see cref="UntilOrdered"/> is zero for <paramref name="version"/>. Call before acknowledging a write
    /// stamped with it; the time the write spent on the shards usually covers the whole wait.
    /// </summary>
    public async Task WaitUntilOrderedAsync(long version, CancellationToken cancellationToken = default)
    {
        for (var left = UntilOrdered(version); left > TimeSpan.Zero; left = UntilOrdered(version))
        {
            await Task.Delay(left, clock, cancellationToken);
        }
    }

    /// <summary>A version greater than every version this clock issued or observed before.</summary>
    public long Next()
    {
        var now = WallMillis();
        lock (gate)
        {
            if (now > lastPhysical)
            {
                lastPhysical = now;
                lastLogical = 0;
            }
            else if (lastLogical < WriteVersion.MaxLogical)
            {
                lastLogical++;
            }
            else
            {
                lastPhysical++;
                lastLogical = 0;
            }

            return WriteVersion.Compose(lastPhysical, lastLogical, RouterId);
        }
    }

    /// <summary>Merges a version issued elsewhere; every later <see cref="Next"/> returns a greater version.</summary>
    public void Observe(long remote)
    {
        var seen = WriteVersion.Decompose(remote);
        lock (gate)
        {
            if (seen.PhysicalMillis > lastPhysical || (seen.PhysicalMillis == lastPhysical && seen.Logical > lastLogical))
            {
                lastPhysical = seen.PhysicalMillis;
                lastLogical = seen.Logical;
            }
        }
    }

    private long WallMillis()
    {
        var millis = (long)(clock.GetUtcNow() - WriteVersion.Epoch).TotalMilliseconds;
        return Math.Clamp(millis, 0, WriteVersion.MaxPhysicalMillis);
    }
}
