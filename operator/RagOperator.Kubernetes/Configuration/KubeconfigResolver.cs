using System.Text;

namespace RagOperator.Kubernetes.Configuration;

/// <summary>Turns a parsed kubeconfig and a context name into a <see cref="KubernetesClientConfiguration"/>.</summary>
internal static class KubeconfigResolver
{
    public static KubernetesClientConfiguration Resolve(Kubeconfig config, string? contextName, TimeProvider? timeProvider)
    {
        var where = $"kubeconfig {config.Describe}";
        contextName ??= config.CurrentContext;
        if (string.IsNullOrEmpty(contextName))
            throw new KubeconfigException($"{where}: no current-context is set and no context was requested (contexts: {List(config.Contexts.Keys)})");
        if (!config.Contexts.TryGetValue(contextName, out var context))
            throw new KubeconfigException($"{where}: context '{contextName}' not found (contexts: {List(config.Contexts.Keys)})");

        if (string.IsNullOrEmpty(context.Cluster))
            throw new KubeconfigException($"{Entry(context)}: context '{context.Name}' names no cluster");
        if (!config.Clusters.TryGetValue(context.Cluster, out var cluster))
            throw new KubeconfigException($"{Entry(context)}: context '{context.Name}' refers to unknown cluster '{context.Cluster}' (clusters: {List(config.Clusters.Keys)})");

        KubeconfigUser? user = null;
        if (!string.IsNullOrEmpty(context.User) && !config.Users.TryGetValue(context.User, out user))
            throw new KubeconfigException($"{Entry(context)}: context '{context.Name}' refers to unknown user '{context.User}' (users: {List(config.Users.Keys)})");

        if (string.IsNullOrEmpty(cluster.Server))
            throw new KubeconfigException($"{Entry(cluster)}: cluster '{cluster.Name}' has no server");
        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
            throw new KubeconfigException($"{Entry(cluster)}: cluster '{cluster.Name}' has an invalid server URL '{cluster.Server}' (expected https://host:port)");

        var authorities = cluster.CertificateAuthorityData is { } caData
            ? Pem.Certificates(DecodeBase64(caData, cluster, $"cluster '{cluster.Name}'", "certificate-authority-data"), $"{Entry(cluster)}: cluster '{cluster.Name}' certificate-authority-data")
            : cluster.CertificateAuthority is { } caFile
                ? Pem.Certificates(ReadFile(cluster, $"cluster '{cluster.Name}'", "certificate-authority", caFile), $"{Entry(cluster)}: cluster '{cluster.Name}' certificate-authority {cluster.ResolvePath(caFile)}")
                : null;

        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(context.Namespace) ? "default" : context.Namespace,
            CertificateAuthorities = authorities,
            SkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
            ClientCertificate = user is null ? null : ClientCertificate(user),
            TokenProvider = user is null ? null : TokenProvider(user, timeProvider),
            Username = user?.Username,
            Password = user?.Password,
            ContextName = context.Name,
        };
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate(KubeconfigUser user)
    {
        var owner = $"user '{user.Name}'";
        var certificate = user.ClientCertificateData is { } certData
            ? DecodeBase64(certData, user, owner, "client-certificate-data")
            : user.ClientCertificate is { } certFile ? ReadFile(user, owner, "client-certificate", certFile) : null;
        var key = user.ClientKeyData is { } keyData
            ? DecodeBase64(keyData, user, owner, "client-key-data")
            : user.ClientKey is { } keyFile ? ReadFile(user, owner, "client-key", keyFile) : null;
        if (certificate is null && key is null) return null;
        if (certificate is null) throw new KubeconfigException($"{Entry(user)}: {owner} has a client key but no client certificate");
        if (key is null) throw new KubeconfigException($"{Entry(user)}: {owner} has a client certificate but no client key");
        return Pem.CertificateWithKey(certificate, key, $"{Entry(user)}: {owner}");
    }

    private static IAccessTokenProvider? TokenProvider(KubeconfigUser user, TimeProvider? timeProvider)
    {
        if (user.HasExec || user.HasAuthProvider)
        {
            if (user.Token is null && user.TokenFile is null && user.ClientCertificate is null && user.ClientCertificateData is null)
                throw new KubeconfigException(
                    $"{Entry(user)}: user '{user.Name}' authenticates with an {(user.HasExec ? "exec credential plugin" : "auth-provider")}, which this client does not support; use a token, tokenFile or client certificate");
        }
        if (!string.IsNullOrEmpty(user.Token)) return new StaticTokenProvider(user.Token);
        if (user.TokenFile is { } tokenFile)
        {
            var path = user.ResolvePath(tokenFile);
            if (!File.Exists(path)) throw new KubeconfigException($"{Entry(user)}: user '{user.Name}' tokenFile {path} does not exist");
            return new FileTokenProvider(path, TimeSpan.FromMinutes(1), timeProvider);
        }
        return null;
    }

    private static string DecodeBase64(string value, KubeconfigEntry entry, string owner, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value.Trim()));
        }
        catch (FormatException e)
        {
            throw new KubeconfigException($"{Entry(entry)}: {owner} {field} is not valid base64", e);
        }
    }

    private static string ReadFile(KubeconfigEntry entry, string owner, string field, string path)
    {
        var resolved = entry.ResolvePath(path);
        try
        {
            return File.ReadAllText(resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"{Entry(entry)}: {owner} {field} file {resolved} cannot be read: {e.Message}", e);
        }
    }

    private static string Entry(KubeconfigEntry entry) => $"kubeconfig {entry.SourcePath}: line {entry.Line}";

    private static string List(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
