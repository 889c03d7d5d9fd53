namespace RagOperator.Routing;

/// <summary>
/// Issues strictly increasing write versions (layout in <see cref="WriteVersion"/>) for one router replica.
/// The physical part follows the wall clock but never goes backwards: if the clock steps back, the clock keeps
/// the last physical time and counts up the logical part; when 4096 versions are issued within one millisecond
/// the physical part borrows the next millisecond. <see cref="Observe"/> merges a version seen elsewhere (for
/// example the one stored on a point), so the next version issued here is above it and the later write wins.
/// Thread-safe.
/// </summary>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider clock;
    private readonly Lock gate = new();

    // The last issued or observed (physical, logical) pair, without router id.
    private long lastPhysical;
    private int lastLogical = -1;

    public HybridLogicalClock(int routerId, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(routerId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(routerId, WriteVersion.MaxRouterId);
        RouterId = routerId;
        this.clock = clock ?? TimeProvider.System;
    }

    public int RouterId { get; }

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
