using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using Official = k8s.KubernetesClientConfiguration;

namespace RagOperator.Kubernetes.Configuration;

/// <summary>
/// Reads kubeconfig files through the official client (<c>KubernetesClient</c>): its parser, merge of a KUBECONFIG
/// list, relative file references and credential plugins (exec plugins such as <c>aws eks get-token</c>,
/// <c>gke-gcloud-auth-plugin</c> and <c>kubelogin</c>, re-run when their token expires). Around it: messages that
/// name the file, the context and what the file does define, and <c>tokenFile</c> users, which kubectl supports and
/// the official client does not read.
/// </summary>
internal static class KubeconfigLoader
{
    public static KubernetesClientConfiguration FromFiles(string path, string? context, TimeProvider? timeProvider)
    {
        var paths = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // kubectl skips missing entries of a KUBECONFIG list, but a single named file must exist.
        var files = paths.Length == 1 ? [new FileInfo(paths[0])] : paths.Select(p => new FileInfo(p)).Where(f => f.Exists).ToArray();
        if (files.Length == 0) throw new KubernetesConfigurationException($"kubeconfig {path}: none of the listed files exists");
        if (files.Length == 1 && !files[0].Exists) throw new KubernetesConfigurationException($"kubeconfig {files[0].FullName}: cannot read file: it does not exist");
        return Build(() => Merge(files), context, path,
            () => files.Select(f => (f.FullName, File.ReadAllText(f.FullName))), timeProvider);
    }

    public static KubernetesClientConfiguration FromYaml(string yaml, string? context, TimeProvider? timeProvider)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(yaml));
        return Build(() => Official.LoadKubeConfig(stream), context, "<inline>",
            () => [(Path.Combine(Environment.CurrentDirectory, "<inline>"), yaml)], timeProvider);
    }

    private static KubernetesClientConfiguration Build(
        Func<K8SConfiguration> load, string? context, string source, Func<IEnumerable<(string File, string Text)>> documents, TimeProvider? timeProvider)
    {
        K8SConfiguration config;
        try
        {
            config = load();
        }
        catch (Exception e) when (e is YamlException or KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"kubeconfig {source}: {Flatten(e)}", e);
        }

        var contexts = config.Contexts?.ToList() ?? [];
        context ??= config.CurrentContext;
        if (string.IsNullOrEmpty(context))
            throw new KubernetesConfigurationException(
                $"kubeconfig {source}: no current-context is set and no context was given (contexts: {Names(contexts.Select(c => c.Name))}); pass --context or run `kubectl config use-context`");
        var chosen = contexts.FirstOrDefault(c => c.Name == context)
            ?? throw new KubernetesConfigurationException($"kubeconfig {source}: context '{context}' not found (contexts: {Names(contexts.Select(c => c.Name))})");
        var clusters = config.Clusters?.ToList() ?? [];
        if (chosen.ContextDetails?.Cluster is not { Length: > 0 } clusterName || clusters.All(c => c.Name != clusterName))
            throw new KubernetesConfigurationException(
                $"kubeconfig {source}: context '{context}' refers to unknown cluster '{chosen.ContextDetails?.Cluster}' (clusters: {Names(clusters.Select(c => c.Name))})");
        var users = config.Users?.ToList() ?? [];
        var userName = chosen.ContextDetails.User;
        var user = string.IsNullOrEmpty(userName) ? null : users.FirstOrDefault(u => u.Name == userName)
            ?? throw new KubernetesConfigurationException(
                $"kubeconfig {source}: context '{context}' refers to unknown user '{userName}' (users: {Names(users.Select(u => u.Name))})");

        if (user?.UserCredentials is { } pair)
        {
            var hasCertificate = !string.IsNullOrEmpty(pair.ClientCertificate) || !string.IsNullOrEmpty(pair.ClientCertificateData);
            var hasKey = !string.IsNullOrEmpty(pair.ClientKey) || !string.IsNullOrEmpty(pair.ClientKeyData);
            // The official client would silently drop half a pair and then report the user as having no credentials.
            if (hasCertificate != hasKey)
                throw new KubernetesConfigurationException(
                    $"kubeconfig {source}: user '{user.Name}' has a client {(hasCertificate ? "certificate but no client key" : "key but no client certificate")}; set both (client-certificate[-data] and client-key[-data])");
        }

        // As in kubectl, a token given inline takes precedence over tokenFile.
        var tokenFile = user?.UserCredentials is { } credentials && string.IsNullOrEmpty(credentials.Token) ? TokenFileOf(documents(), user.Name) : null;
        if (tokenFile is not null)
        {
            // The official client rejects a user without credentials it knows; the token file is read here instead.
            user!.UserCredentials.Token = "tokenFile";
        }

        Official official;
        // An exec plugin's stderr says why it failed ("credentials expired, run aws sso login"); the official client
        // only reports that its output was not JSON, so the lines are collected to tell the user.
        var pluginErrors = new List<string>();
        void Collect(object? sender, System.Diagnostics.DataReceivedEventArgs line)
        {
            if (line.Data is { Length: > 0 } text)
            {
                lock (pluginErrors) pluginErrors.Add(text);
            }
        }

        Official.ExecStdError += Collect;
        try
        {
            official = Official.BuildConfigFromConfigObject(config, context);
        }
        catch (Exception e) when (e is KubeConfigException or FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            string stderr;
            lock (pluginErrors) stderr = string.Join(" | ", pluginErrors);
            var problem = FirstLine(Flatten(e));
            throw new KubernetesConfigurationException(
                stderr.Length > 0
                    ? $"kubeconfig {source}, context '{context}': the exec credential plugin failed: {stderr} ({problem})"
                    : $"kubeconfig {source}, context '{context}': {problem}", e);
        }
        finally
        {
            Official.ExecStdError -= Collect;
        }

        return Convert(official, source, tokenFile is null ? null : new FileTokenProvider(tokenFile, timeProvider: timeProvider));
    }

    /// <summary>
    /// Merges a KUBECONFIG list as kubectl does: the first file to set current-context or to define a name wins. Each
    /// file's relative references are made absolute against its own directory first (the official client would
    /// resolve them all against the first file's).
    /// </summary>
    private static K8SConfiguration Merge(IReadOnlyList<FileInfo> files)
    {
        K8SConfiguration? merged = null;
        foreach (var file in files)
        {
            var config = Official.LoadKubeConfig(file);
            var directory = file.DirectoryName!;
            foreach (var cluster in config.Clusters ?? [])
            {
                if (cluster.ClusterEndpoint is { CertificateAuthority: { Length: > 0 } ca } endpoint) endpoint.CertificateAuthority = Path.GetFullPath(ca, directory);
            }

            foreach (var credentials in (config.Users ?? []).Select(u => u.UserCredentials).OfType<UserCredentials>())
            {
                if (credentials.ClientCertificate is { Length: > 0 } certificate) credentials.ClientCertificate = Path.GetFullPath(certificate, directory);
                if (credentials.ClientKey is { Length: > 0 } key) credentials.ClientKey = Path.GetFullPath(key, directory);
            }

            if (merged is null)
            {
                merged = config;
                continue;
            }

            merged.CurrentContext ??= config.CurrentContext;
            merged.Clusters = FirstWins(merged.Clusters, config.Clusters, c => c.Name);
            merged.Contexts = FirstWins(merged.Contexts, config.Contexts, c => c.Name);
            merged.Users = FirstWins(merged.Users, config.Users, u => u.Name);
        }

        return merged!;
    }

    private static List<T> FirstWins<T>(IEnumerable<T>? first, IEnumerable<T>? then, Func<T, string> name)
    {
        var result = (first ?? []).ToList();
        result.AddRange((then ?? []).Where(item => result.All(known => name(known) != name(item))));
        return result;
    }

    private static KubernetesClientConfiguration Convert(Official official, string source, ITokenProvider? tokenFile)
    {
        if (!Uri.TryCreate(official.Host, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
            throw new KubernetesConfigurationException($"kubeconfig {source}: invalid server URL '{official.Host}' (expected https://host:port)");
        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(official.Namespace) ? "default" : official.Namespace,
            CertificateAuthorities = official.SslCaCerts,
            ClientCertificate = ClientCertificate(official, source),
            TokenProvider = tokenFile ?? official.TokenProvider
                ?? (string.IsNullOrEmpty(official.AccessToken) ? null : new StringTokenProvider(official.AccessToken, "Bearer")),
            Username = official.Username,
            Password = official.Password,
            SkipTlsVerify = official.SkipTlsVerify,
            TlsServerName = official.TlsServerName,
            ContextName = official.CurrentContext,
        };
    }

    private static X509Certificate2? ClientCertificate(Official official, string source)
    {
        var what = $"kubeconfig {source}, context '{official.CurrentContext}'";
        if (!string.IsNullOrEmpty(official.ClientCertificateData) && !string.IsNullOrEmpty(official.ClientCertificateKeyData))
            return Pem.CertificateWithKey(Base64(official.ClientCertificateData, what, "client-certificate-data"), Base64(official.ClientCertificateKeyData, what, "client-key-data"), what);
        if (!string.IsNullOrEmpty(official.ClientCertificateFilePath) && !string.IsNullOrEmpty(official.ClientKeyFilePath))
            return Pem.CertificateWithKey(Read(official.ClientCertificateFilePath, what), Read(official.ClientKeyFilePath, what), what);
        return null;
    }

    private static string Base64(string value, string what, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(System.Convert.FromBase64String(value));
        }
        catch (FormatException e)
        {
            throw new KubernetesConfigurationException($"{what}: {field} is not valid base64", e);
        }
    }

    private static string Read(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"{what}: file {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// The <c>tokenFile</c> of a user, resolved against its kubeconfig's directory: the first document naming the user
    /// wins, as in the official merge. Read with the official client's YAML reader.
    /// </summary>
    private static string? TokenFileOf(IEnumerable<(string File, string Text)> documents, string userName)
    {
        foreach (var (file, text) in documents)
        {
            var users = KubernetesYaml.Deserialize<TokenFileDocument>(text)?.Users ?? [];
            if (users.FirstOrDefault(u => u.Name == userName) is not { } user) continue;
            if (user.User?.TokenFile is not { Length: > 0 } tokenFile) return null;
            var path = Path.GetFullPath(tokenFile, Path.GetDirectoryName(file)!);
            return File.Exists(path)
                ? path
                : throw new KubernetesConfigurationException($"kubeconfig {file}: user '{userName}' tokenFile {path} does not exist");
        }

        return null;
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }

    /// <summary>The package puts whole exceptions, stack traces included, into some messages; the user needs the first line.</summary>
    private static string FirstLine(string message)
    {
        foreach (var cut in new[] { "\n", " ---> " })
        {
            var at = message.IndexOf(cut, StringComparison.Ordinal);
            if (at > 0) message = message[..at];
        }

        return message.TrimEnd();
    }

    private static string Flatten(Exception e) => e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
        ? $"{e.Message}: {inner.Message}"
        : e.Message;

    private sealed class TokenFileDocument
    {
        [YamlMember(Alias = "users")]
        public List<TokenFileUser>? Users { get; set; }
    }

    private sealed class TokenFileUser
    {
        [YamlMember(Alias = "name")]
        public string? Name { get; set; }

        [YamlMember(Alias = "user")]
        public TokenFileCredentials? User { get; set; }
    }

    private sealed class TokenFileCredentials
    {
        [YamlMember(Alias = "tokenFile")]
        public string? TokenFile { get; set; }
    }
}
