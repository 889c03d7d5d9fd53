using System.Globalization;

namespace RagOperator.TestSupport.Credentials;

/// <summary>
/// The test exec credential plugin (<c>exec-credential-plugin.sh</c>, copied next to the test assembly) and the
/// tokens it issued: a server that accepts only <see cref="Accepts"/> checks what a real API server's token
/// authenticator would — issued by the plugin and not expired.
/// </summary>
public sealed class ExecCredentialPlugin(string issuedFile, int ttlSeconds = 3600)
{
    public static string Script => Path.Combine(AppContext.BaseDirectory, "Credentials", "exec-credential-plugin.sh");

    public string IssuedFile { get; } = issuedFile;

    /// <summary>How many times the plugin ran.</summary>
    public int Runs => File.Exists(IssuedFile) ? File.ReadAllLines(IssuedFile).Length : 0;

    /// <summary>True for a token the plugin issued whose expiry has not passed.</summary>
    public bool Accepts(string token)
    {
        if (!File.Exists(IssuedFile)) return false;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return File.ReadAllLines(IssuedFile)
            .Select(line => line.Split(' '))
            .Any(parts => parts.Length == 2 && parts[0] == token && long.Parse(parts[1], CultureInfo.InvariantCulture) > now);
    }

    /// <summary>The kubeconfig <c>user</c> body (indented for a user entry) that runs the plugin.</summary>
    public string UserYaml(int indent) => string.Join('\n', new[]
    {
        "exec:",
        "  apiVersion: client.authentication.k8s.io/v1",
        "  command: bash",
        $"  args: [\"{Script}\"]",
        "  interactiveMode: Never",
        "  env:",
        "  - name: PLUGIN_ISSUED",
        $"    value: \"{IssuedFile}\"",
        "  - name: PLUGIN_TTL_SECONDS",
        $"    value: \"{ttlSeconds.ToString(CultureInfo.InvariantCulture)}\"",
    }.Select(line => new string(' ', indent) + line));
}
