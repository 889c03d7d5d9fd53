using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RagOperator.Kubernetes.Configuration;

/// <summary>
/// How to reach and authenticate to an API server: from a kubeconfig (like kubectl), from inside a pod
/// (service-account token, CA and namespace), or built directly (tests).
/// </summary>
public sealed class KubernetesClientConfiguration
{
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public required Uri Server { get; init; }

    /// <summary>The namespace of the context (or of the pod); single-object calls without a namespace use it.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>When set, the server certificate must chain to one of these (and only these) roots.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Client certificate with its private key, for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The bearer token of each request (static, a rotating file, or an exec plugin re-run when it expires).</summary>
    public k8s.Authentication.ITokenProvider? TokenProvider { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public bool SkipTlsVerify { get; init; }

    /// <summary>Server name used for SNI and certificate verification instead of the URL's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>The kubeconfig context this configuration came from, if any.</summary>
    public string? ContextName { get; init; }

    /// <summary>A plain configuration for a server that needs no credentials (for example an in-process test server).</summary>
    public static KubernetesClientConfiguration ForServer(Uri server, string @namespace = "default") =>
        new() { Server = server, Namespace = @namespace };

    /// <summary>
    /// In a pod when <c>KUBERNETES_SERVICE_HOST</c> is set and the service-account token exists; otherwise
    /// <c>$KUBECONFIG</c> (a path list, merged like kubectl) or <c>~/.kube/config</c>.
    /// </summary>
    public static KubernetesClientConfiguration Default(string? context = null)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        if (context is null && !string.IsNullOrEmpty(host) && File.Exists(Path.Combine(DefaultServiceAccountDirectory, "token")))
            return InCluster();
        return FromKubeconfig(path: null, context);
    }

    /// <summary>
    /// Loads a kubeconfig through the official client. <paramref name="path"/> may be a list separated by the platform
    /// path separator; without it <c>$KUBECONFIG</c> then <c>~/.kube/config</c> are used. <paramref name="context"/>
    /// defaults to current-context.
    /// </summary>
    public static KubernetesClientConfiguration FromKubeconfig(string? path = null, string? context = null, TimeProvider? timeProvider = null)
    {
        path ??= Environment.GetEnvironmentVariable("KUBECONFIG");
        if (string.IsNullOrWhiteSpace(path)) path = k8s.KubernetesClientConfiguration.KubeConfigDefaultLocation;
        return KubeconfigLoader.FromFiles(path, context, timeProvider);
    }

    /// <summary>Parses kubeconfig text; relative file references resolve against the working directory.</summary>
    public static KubernetesClientConfiguration FromKubeconfigYaml(string yaml, string? context = null, TimeProvider? timeProvider = null) =>
        KubeconfigLoader.FromYaml(yaml, context, timeProvider);

    /// <summary>
    /// Configuration inside a pod: <c>KUBERNETES_SERVICE_HOST</c>/<c>KUBERNETES_SERVICE_PORT</c>, and the
    /// service account's <c>token</c> (re-read every minute, it rotates), <c>ca.crt</c> and <c>namespace</c>.
    /// </summary>
    public static KubernetesClientConfiguration InCluster(
        string serviceAccountDirectory = DefaultServiceAccountDirectory,
        Func<string, string?>? environment = null,
        TimeProvider? timeProvider = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            throw new KubernetesConfigurationException(
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");
        var tokenPath = Path.Combine(serviceAccountDirectory, "token");
        if (!File.Exists(tokenPath))
            throw new KubernetesConfigurationException($"in-cluster configuration: service-account token {tokenPath} does not exist (automountServiceAccountToken disabled?)");

        X509Certificate2Collection? authorities = null;
        var caPath = Path.Combine(serviceAccountDirectory, "ca.crt");
        if (File.Exists(caPath)) authorities = Pem.Certificates(File.ReadAllText(caPath), $"in-cluster CA {caPath}");

        var namespacePath = Path.Combine(serviceAccountDirectory, "namespace");
        var @namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : "default";

        // IPv6 service addresses need brackets in a URL.
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            Namespace = @namespace.Length == 0 ? "default" : @namespace,
            CertificateAuthorities = authorities,
            TokenProvider = new FileTokenProvider(tokenPath, TimeSpan.FromMinutes(1), timeProvider),
        };
    }

    /// <summary>An HTTP handler with this configuration's TLS settings (server verification and client certificate).</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
        };
        if (Server.Scheme != Uri.UriSchemeHttps) return handler;

        if (TlsServerName is not null) handler.SslOptions.TargetHost = TlsServerName;
        if (ClientCertificate is not null) handler.SslOptions.ClientCertificates = [ClientCertificate];
        handler.SslOptions.RemoteCertificateValidationCallback = ValidateServerCertificate;
        return handler;
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (SkipTlsVerify) return true;
        if (certificate is null) return false;
        using var leaf = new X509Certificate2(certificate);
        if (TlsServerName is not null)
        {
            // The handler checks the URL's host; with tls-server-name the certificate must name that server instead.
            if (!leaf.MatchesHostname(TlsServerName)) return false;
            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        }
        if (CertificateAuthorities is null || CertificateAuthorities.Count == 0) return errors == SslPolicyErrors.None;
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;

        // Like kubectl with certificate-authority: trust exactly the configured roots, not the system store.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(CertificateAuthorities);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        return custom.Build(leaf);
    }
}

/// <summary>PEM loading with messages that say which input was wrong.</summary>
internal static class Pem
{
    public static X509Certificate2Collection Certificates(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"{what} is not a valid PEM certificate: {e.Message}", e);
        }
        if (collection.Count == 0) throw new KubernetesConfigurationException($"{what} contains no PEM certificate");
        return collection;
    }

    public static X509Certificate2 CertificateWithKey(string certificatePem, string keyPem, string what)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            if (!OperatingSystem.IsWindows()) return certificate;
            // SChannel cannot use an ephemeral key for client authentication; round-trip through PKCS#12.
            using (certificate)
            {
                return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigurationException($"{what}: the client certificate and key cannot be loaded as a PEM pair: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new KubernetesConfigurationException($"{what}: the client certificate and key cannot be loaded as a PEM pair: {e.Message}", e);
        }
    }
}
