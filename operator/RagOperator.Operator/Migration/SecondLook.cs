using RagOperator.Qdrant;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Reads differences again with growing pauses (settle, 2·settle, 4·settle, 8·settle) and keeps only those that
/// persist. A router sends each write to both owners at once, so a difference seen by a scan is usually a write that one
/// side had applied and the other not yet; under load that can take longer than one pause. An id that agrees at any look
/// is settled: from then on both sides receive the same writes. Only what differs at every look is repaired, which lets
/// a verify pass come out clean under a sustained write stream. Only a pass that is still clean needs that patience: once
/// it has repaired something another pass follows anyway, so its later windows look once (<see cref="LooksFor"/>), and a
/// first pass full of real differences costs one pause per window, not four. Correctness never depends on the pauses: a
/// repair is always guarded by the version it saw.
/// </summary>
public static class SecondLook
{
    /// <summary>How many times a difference is read again before it counts as one.</summary>
    public const int Looks = 4;

    /// <summary>The looks a window's differences get: <see cref="Looks"/> while the pass has repaired nothing, else one.</summary>
    public static int LooksFor(bool passClean) => passClean ? Looks : 1;

    /// <param name="looks">How many times to read again (see <see cref="LooksFor"/>).</param>
    /// <param name="lookAgain">Reads the given ids again (recording what it read) and returns those that still differ.</param>
    public static async Task<List<PointId>> PersistentAsync(
        List<PointId> suspects, TimeSpan settle, int looks, TimeProvider time, Func<List<PointId>, CancellationToken, Task<List<PointId>>> lookAgain,
        CancellationToken cancellationToken)
    {
        var pending = suspects;
        var pause = settle;
        for (var look = 0; look < looks && pending.Count > 0; look++)
        {
            if (pause > TimeSpan.Zero) await Task.Delay(pause, time, cancellationToken);
            pending = await lookAgain(pending, cancellationToken);
            pause *= 2;
        }

        return pending;
    }
}
