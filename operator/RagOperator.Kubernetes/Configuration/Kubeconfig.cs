using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RagOperator.Kubernetes.Configuration;

/// <summary>One named entry of a kubeconfig, remembering where it was defined for error messages and relative paths.</summary>
internal abstract record KubeconfigEntry(string Name, string SourcePath, int Line)
{
    /// <summary>Relative file references resolve against the directory of the kubeconfig that defines them.</summary>
    public string ResolvePath(string path)
    {
        if (Path.IsPathRooted(path)) return path;
        var directory = Path.GetDirectoryName(Path.GetFullPath(SourcePath)) ?? Directory.GetCurrentDirectory();
        return Path.GetFullPath(Path.Combine(directory, path));
    }
}

internal sealed record KubeconfigCluster(
    string Name, string SourcePath, int Line,
    string? Server, string? CertificateAuthority, string? CertificateAuthorityData,
    bool InsecureSkipTlsVerify, string? TlsServerName) : KubeconfigEntry(Name, SourcePath, Line);

internal sealed record KubeconfigUser(
    string Name, string SourcePath, int Line,
    string? ClientCertificate, string? ClientCertificateData, string? ClientKey, string? ClientKeyData,
    string? Token, string? TokenFile, string? Username, string? Password,
    bool HasExec, bool HasAuthProvider) : KubeconfigEntry(Name, SourcePath, Line);

internal sealed record KubeconfigContext(
    string Name, string SourcePath, int Line,
    string? Cluster, string? User, string? Namespace) : KubeconfigEntry(Name, SourcePath, Line);

/// <summary>The parsed content of one or more kubeconfig files (merged like kubectl: the first definition wins).</summary>
internal sealed class Kubeconfig
{
    public required IReadOnlyList<string> Sources { get; init; }
    public string? CurrentContext { get; init; }
    public required IReadOnlyDictionary<string, KubeconfigCluster> Clusters { get; init; }
    public required IReadOnlyDictionary<string, KubeconfigUser> Users { get; init; }
    public required IReadOnlyDictionary<string, KubeconfigContext> Contexts { get; init; }

    public string Describe => string.Join(", ", Sources);

    public static Kubeconfig Merge(IReadOnlyList<Kubeconfig> files)
    {
        if (files.Count == 1) return files[0];
        var clusters = new Dictionary<string, KubeconfigCluster>();
        var users = new Dictionary<string, KubeconfigUser>();
        var contexts = new Dictionary<string, KubeconfigContext>();
        foreach (var file in files)
        {
            foreach (var (name, cluster) in file.Clusters) clusters.TryAdd(name, cluster);
            foreach (var (name, user) in file.Users) users.TryAdd(name, user);
            foreach (var (name, context) in file.Contexts) contexts.TryAdd(name, context);
        }
        return new Kubeconfig
        {
            Sources = files.SelectMany(f => f.Sources).ToList(),
            CurrentContext = files.Select(f => f.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c)),
            Clusters = clusters,
            Users = users,
            Contexts = contexts,
        };
    }
}

/// <summary>Parses kubeconfig YAML into <see cref="Kubeconfig"/>, with line numbers in every error.</summary>
internal static class KubeconfigParser
{
    public static Kubeconfig Parse(string yaml, string sourcePath)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new KubeconfigException(
                $"kubeconfig {sourcePath}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {Innermost(e).Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return new Kubeconfig { Sources = [sourcePath], Clusters = new Dictionary<string, KubeconfigCluster>(), Users = new Dictionary<string, KubeconfigUser>(), Contexts = new Dictionary<string, KubeconfigContext>() };

        var reader = new NodeReader(sourcePath);
        var root = reader.Mapping(stream.Documents[0].RootNode, "the document");
        if (reader.OptionalString(root, "kind", "kind") is { } kind && kind != "Config")
            throw new KubeconfigException($"kubeconfig {sourcePath}: kind is '{kind}', expected 'Config'");

        var clusters = reader.NamedList(root, "clusters", "cluster", (name, body, line) => new KubeconfigCluster(
            name, sourcePath, line,
            Server: reader.OptionalString(body, "server", $"cluster '{name}'"),
            CertificateAuthority: reader.OptionalString(body, "certificate-authority", $"cluster '{name}'"),
            CertificateAuthorityData: reader.OptionalString(body, "certificate-authority-data", $"cluster '{name}'"),
            InsecureSkipTlsVerify: reader.OptionalBool(body, "insecure-skip-tls-verify", $"cluster '{name}'") ?? false,
            TlsServerName: reader.OptionalString(body, "tls-server-name", $"cluster '{name}'")));

        var users = reader.NamedList(root, "users", "user", (name, body, line) => new KubeconfigUser(
            name, sourcePath, line,
            ClientCertificate: reader.OptionalString(body, "client-certificate", $"user '{name}'"),
            ClientCertificateData: reader.OptionalString(body, "client-certificate-data", $"user '{name}'"),
            ClientKey: reader.OptionalString(body, "client-key", $"user '{name}'"),
            ClientKeyData: reader.OptionalString(body, "client-key-data", $"user '{name}'"),
            Token: reader.OptionalString(body, "token", $"user '{name}'"),
            TokenFile: reader.OptionalString(body, "tokenFile", $"user '{name}'"),
            Username: reader.OptionalString(body, "username", $"user '{name}'"),
            Password: reader.OptionalString(body, "password", $"user '{name}'"),
            HasExec: body.Children.ContainsKey(new YamlScalarNode("exec")),
            HasAuthProvider: body.Children.ContainsKey(new YamlScalarNode("auth-provider"))));

        var contexts = reader.NamedList(root, "contexts", "context", (name, body, line) => new KubeconfigContext(
            name, sourcePath, line,
            Cluster: reader.OptionalString(body, "cluster", $"context '{name}'"),
            User: reader.OptionalString(body, "user", $"context '{name}'"),
            Namespace: reader.OptionalString(body, "namespace", $"context '{name}'")));

        return new Kubeconfig
        {
            Sources = [sourcePath],
            CurrentContext = reader.OptionalString(root, "current-context", "current-context"),
            Clusters = clusters,
            Users = users,
            Contexts = contexts,
        };
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    private sealed class NodeReader(string sourcePath)
    {
        public YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

        public Dictionary<string, T> NamedList<T>(YamlMappingNode root, string key, string bodyKey, Func<string, YamlMappingNode, int, T> create)
        {
            var result = new Dictionary<string, T>();
            if (!root.Children.TryGetValue(new YamlScalarNode(key), out var listNode) || IsNull(listNode)) return result;
            if (listNode is not YamlSequenceNode list) throw Error(listNode, $"{key} must be a list");
            for (var i = 0; i < list.Children.Count; i++)
            {
                var item = Mapping(list.Children[i], $"{key}[{i}]");
                var name = OptionalString(item, "name", $"{key}[{i}]");
                if (string.IsNullOrEmpty(name)) throw Error(item, $"{key}[{i}] has no name");
                if (!item.Children.TryGetValue(new YamlScalarNode(bodyKey), out var bodyNode) || IsNull(bodyNode))
                    throw Error(item, $"{bodyKey} '{name}' has no '{bodyKey}' section");
                var body = Mapping(bodyNode, $"{bodyKey} '{name}'.{bodyKey}");
                if (result.ContainsKey(name)) throw Error(item, $"{bodyKey} '{name}' is defined twice");
                result[name] = create(name, body, Line(item));
            }
            return result;
        }

        public string? OptionalString(YamlMappingNode node, string key, string owner)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value) || IsNull(value)) return null;
            return value is YamlScalarNode scalar ? scalar.Value : throw Error(value, $"{owner}: '{key}' must be a string");
        }

        public bool? OptionalBool(YamlMappingNode node, string key, string owner)
        {
            var text = OptionalString(node, key, owner);
            if (text is null) return null;
            return text.ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                _ => throw Error(node.Children[new YamlScalarNode(key)], $"{owner}: '{key}' must be true or false, not '{text}'"),
            };
        }

        private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "null" or "~" };

        private static int Line(YamlNode node) => (int)node.Start.Line;

        private KubeconfigException Error(YamlNode node, string message) =>
            new($"kubeconfig {sourcePath}: line {node.Start.Line}: {message}");
    }
}
