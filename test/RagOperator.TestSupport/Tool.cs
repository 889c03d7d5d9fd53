using System.Diagnostics;

namespace RagOperator.TestSupport;

/// <summary>The result of running a tool: exit code and both output streams.</summary>
public sealed record ToolResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public ToolResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"`{Command}` exited with {ExitCode}:\n{StandardError}\n{StandardOutput}");
        }

        return this;
    }
}

/// <summary>
/// Runs the real helm and kubectl binaries from <c>.tools/</c> (fetched by <c>make tools</c>). A missing binary
/// fails the test with that instruction rather than skipping it, so CI can never pass without the checks.
/// Helm's cache and config go to a private temporary directory so no user setting leaks into a run.
/// </summary>
public static class Tool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly string HelmHome = Directory.CreateTempSubdirectory("rag-operator-helm-").FullName;

    public static ToolResult Helm(params string[] arguments) => Run("helm", arguments);

    public static ToolResult Kubectl(params string[] arguments) => Run("kubectl", arguments);

    public static string PathOf(string name)
    {
        var path = Repository.Path(".tools", name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: run `make tools` to fetch helm and kubectl.", path);
        }

        return path;
    }

    private static ToolResult Run(string name, string[] arguments)
    {
        var start = new ProcessStartInfo(PathOf(name))
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HELM_CACHE_HOME"] = Path.Combine(HelmHome, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(HelmHome, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(HelmHome, "data");
        start.Environment["KUBECONFIG"] = Path.Combine(HelmHome, "no-kubeconfig");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new ToolResult($"{name} {string.Join(' ', arguments)}", process.ExitCode, output.Result, error.Result);
    }
}
