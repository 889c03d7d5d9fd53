namespace RagOperator.Workload;

/// <summary>
/// Remembers, for every point id, which final states are legitimate given what the router acknowledged.
/// An acknowledged write pins the state; a write that failed (not acknowledged) may or may not have taken
/// effect, so it widens the set of legitimate states until the next acknowledged write of that id.
/// A state is the sequence number stored in the point's payload, or <see cref="Absent"/> for "no point".
/// Each id must be written by one writer at a time (the driver partitions ids by writer), so per-id
/// history is sequential and the oracle needs no ordering across writers.
/// </summary>
public sealed class AckOracle
{
    public const long Absent = -1;

    private readonly Dictionary<ulong, Entry> entries = [];
    private readonly Lock gate = new();
    private long acknowledgedWrites;
    private long failedWrites;

    private sealed class Entry
    {
        public HashSet<long> Legitimate { get; } = [Absent];
        public long LastAcknowledged { get; set; } = Absent;
        public bool EverDeleted { get; set; }
    }

    /// <summary>Point writes (upserts and deletes, counted per point) the router acknowledged.</summary>
    public long AcknowledgedWrites => Interlocked.Read(ref acknowledgedWrites);

    /// <summary>Point writes the router did not acknowledge (errors, timeouts).</summary>
    public long FailedWrites => Interlocked.Read(ref failedWrites);

    public void Acknowledged(ulong id, long state)
    {
        lock (gate)
        {
            var entry = GetEntry(id);
            entry.Legitimate.Clear();
            entry.Legitimate.Add(state);
            entry.LastAcknowledged = state;
            if (state == Absent) entry.EverDeleted = true;
        }
        Interlocked.Increment(ref acknowledgedWrites);
    }

    /// <summary>
    /// A payload change that sets the state of <paramref name="id"/> to <paramref name="state"/> where the point exists
    /// and does nothing where it does not; acknowledged or not.
    /// </summary>
    public void PayloadChanged(ulong id, long state, bool acknowledged)
    {
        lock (gate)
        {
            var entry = GetEntry(id);
            var mayExist = entry.Legitimate.Any(s => s != Absent);
            var mayBeAbsent = entry.Legitimate.Contains(Absent);
            if (acknowledged)
            {
                entry.Legitimate.Clear();
                if (mayExist) entry.Legitimate.Add(state);
                if (mayBeAbsent) entry.Legitimate.Add(Absent);
                if (entry.LastAcknowledged != Absent) entry.LastAcknowledged = state;
            }
            else if (mayExist)
            {
                entry.Legitimate.Add(state);
            }
        }

        Interlocked.Increment(ref acknowledged ? ref acknowledgedWrites : ref failedWrites);
    }

    public void Failed(ulong id, long attemptedState)
    {
        lock (gate) GetEntry(id).Legitimate.Add(attemptedState);
        Interlocked.Increment(ref failedWrites);
    }

    private Entry GetEntry(ulong id)
    {
        if (!entries.TryGetValue(id, out var entry)) entries[id] = entry = new Entry();
        return entry;
    }

    /// <summary>Ids the oracle expects to exist (their last acknowledged state is a live point).</summary>
    public IReadOnlyList<ulong> ExpectedLive()
    {
        lock (gate) return entries.Where(e => e.Value.LastAcknowledged != Absent).Select(e => e.Key).ToList();
    }

    public int TrackedIds
    {
        get { lock (gate) return entries.Count; }
    }

    /// <summary>Classifies what was found for one id against what is legitimate.</summary>
    public Verdict Judge(ulong id, long? foundState)
    {
        lock (gate)
        {
            var found = foundState ?? Absent;
            if (!entries.TryGetValue(id, out var entry)) return found == Absent ? Verdict.Ok : Verdict.Unexpected;
            if (entry.Legitimate.Contains(found)) return Verdict.Ok;
            // Found a point although only "absent" is legitimate: a delete came back (or a never-acknowledged point).
            if (entry.Legitimate.Count == 1 && entry.Legitimate.Contains(Absent))
                return entry.EverDeleted ? Verdict.ResurrectedDelete : Verdict.Unexpected;
            return Verdict.LostWrite;
        }
    }

    /// <summary>Every id the oracle has seen.</summary>
    public IReadOnlyList<ulong> Ids()
    {
        lock (gate) return [.. entries.Keys];
    }
}

public enum Verdict
{
    Ok,
    /// <summary>An acknowledged write is missing or an older version is stored instead.</summary>
    LostWrite,
    /// <summary>A point whose deletion was acknowledged is present.</summary>
    ResurrectedDelete,
    /// <summary>A point that was never written is present.</summary>
    Unexpected,
}
