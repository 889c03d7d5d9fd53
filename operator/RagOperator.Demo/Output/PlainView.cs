using System.Diagnostics;
using System.Globalization;

namespace RagOperator.Demo.Output;

/// <summary>
/// Timestamped log lines for CI logs and pipes: a line per step, progress every ~2 seconds, and a migration line
/// whenever the phase or routing versions change (and at least every ~2 seconds while copying).
/// </summary>
public sealed class PlainView(TextWriter output) : IDemoView
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);
    private readonly long started = Stopwatch.GetTimestamp();
    private readonly Lock gate = new();

    public void Step(string message) => Write("==> " + message);

    public void Info(string message) => Write("    " + message);

    public void Lines(IEnumerable<string> lines)
    {
        lock (gate)
        {
            foreach (var line in lines) output.WriteLine(line);
            output.Flush();
        }
    }

    public async Task ShowProgressAsync(string title, long total, Func<Action<long>, Task> run)
    {
        var last = Stopwatch.GetTimestamp();
        long latest = 0;
        await run(done =>
        {
            Interlocked.Exchange(ref latest, done);
            lock (gate)
            {
                if (Stopwatch.GetElapsedTime(last) < ProgressInterval) return;
                last = Stopwatch.GetTimestamp();
            }

            Info(string.Create(CultureInfo.InvariantCulture, $"{title}: {done:N0} / {total:N0}"));
        });
        Info(string.Create(CultureInfo.InvariantCulture, $"{title}: {Interlocked.Read(ref latest):N0} / {total:N0} done"));
    }

    public async Task<T> ShowMigrationAsync<T>(Func<Action<MigrationSnapshot>, Task<T>> run)
    {
        MigrationSnapshot? shown = null;
        var last = Stopwatch.GetTimestamp();
        return await run(snapshot =>
        {
            lock (gate)
            {
                var changed = shown is null || shown.Phase != snapshot.Phase || shown.PublishedVersion != snapshot.PublishedVersion
                    || shown.RoutersAcknowledged != snapshot.RoutersAcknowledged;
                if (!changed && Stopwatch.GetElapsedTime(last) < ProgressInterval) return;
                shown = snapshot;
                last = Stopwatch.GetTimestamp();
            }

            Info($"[{snapshot.Phase}] {snapshot.CopyText}; {snapshot.RoutingText}; {snapshot.WorkloadText}");
        });
    }

    private void Write(string line)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        lock (gate)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{elapsed.TotalSeconds,6:0.0}s] {line}"));
            output.Flush();
        }
    }
}
