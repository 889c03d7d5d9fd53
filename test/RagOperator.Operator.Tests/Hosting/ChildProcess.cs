using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using FluentAssertions;

namespace RagOperator.Operator.Tests.Hosting;

/// <summary>
/// One of the repository's built binaries (<c>&lt;assembly&gt;.dll</c> of the same configuration as the tests) run with
/// <c>dotnet</c> as a child process, as a kubelet or a terminal runs it: signals by process id, the exit code, and its
/// standard output and error interleaved as they came.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ChildProcess(Process process) => this.process = process;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output
    {
        get
        {
            lock (output) return output.ToString();
        }
    }

    public static ChildProcess Start(string dll, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        // Started through python3 with SIGINT set back to its default, as a kubelet starts a container: a test run
        // started in the background by a non-interactive shell ignores SIGINT, children inherit that, and .NET
        // leaves an inherited ignored SIGINT ignored. exec keeps the process id that the test signals.
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])
                 [
                     "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
                     DotnetHost(), dll, .. arguments,
                 ])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var started = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
        kill.ExitCode.Should().Be(0, "kill delivers the signal");
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>
    /// <c>operator/&lt;project&gt;/bin/&lt;configuration&gt;/net10.0/&lt;assembly&gt;.dll</c> under the repository, built in the
    /// tests' own configuration; the test project references the project so that building the tests builds it.
    /// </summary>
    public static string BuiltDll(string project, string assembly)
    {
        var configuration = typeof(ChildProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "RagOperator.sln"))) continue;
            var dll = Path.Combine(directory.FullName, "operator", project, "bin", configuration, "net10.0", $"{assembly}.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build the solution (-c {configuration}) first.", dll);
        }

        throw new InvalidOperationException($"No RagOperator.sln above {AppContext.BaseDirectory}.");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    private static string DotnetHost() => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
