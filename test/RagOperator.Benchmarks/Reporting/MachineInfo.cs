using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RagOperator.Benchmarks.Reporting;

/// <summary>The machine a run happened on, so figures from different runs are compared knowingly.</summary>
public sealed record MachineInfo(
    int ProcessorCount, string? CpuModel, long? MemoryBytes, string Os, string Runtime, string Architecture,
    DateTimeOffset Date, string? GitCommit, bool GitDirty)
{
    /// <summary>The 1, 5 and 15 minute load averages at the start and the end of the run; other work on the machine skews every figure.</summary>
    public string? Load { get; init; }

    /// <summary>/proc/loadavg's first three fields, or null where there is none.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static MachineInfo Collect(string repositoryRoot) => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        ReadMemoryBytes(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        DateTimeOffset.UtcNow,
        Git(repositoryRoot, "rev-parse", "HEAD"),
        !string.IsNullOrEmpty(Git(repositoryRoot, "status", "--porcelain", "--untracked-files=no")));

    public IEnumerable<(string Name, string Value)> Rows()
    {
        yield return ("CPU", $"{ProcessorCount} logical processors{(CpuModel is null ? "" : $" ({CpuModel})")}");
        yield return ("Memory", MemoryBytes is { } bytes ? $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB" : "unknown");
        yield return ("OS", Os);
        yield return (".NET", $"{Runtime} ({Architecture})");
        if (Load is not null) yield return ("Load average", Load);
        yield return ("Date", Date.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        yield return ("Git commit", GitCommit is null ? "unknown" : GitCommit + (GitDirty ? " (with uncommitted changes)" : ""));
    }

    private static string? ReadCpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long? ReadMemoryBytes()
    {
        // The GC's view is what the process may use (it honours cgroup limits), which is what matters for these runs.
        var total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return total > 0 ? total : null;
    }

    /// <summary>Read-only git queries; null when git or the repository is missing.</summary>
    private static string? Git(string directory, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(10_000)) return null;
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
