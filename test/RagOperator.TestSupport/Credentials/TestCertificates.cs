using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RagOperator.TestSupport.Credentials;

/// <summary>A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate, all in memory.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Lazy<TestCertificates> SharedInstance = new(() => Create());
    private static readonly Lazy<TestCertificates> OtherInstance = new(() => Create("someone-else"));

    /// <summary>Generated once per test run: RSA key generation is slow on small CI machines.</summary>
    public static TestCertificates Shared => SharedInstance.Value;

    /// <summary>A second, unrelated CA (and certificates) for negative tests.</summary>
    public static TestCertificates Other => OtherInstance.Value;

    private TestCertificates(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client)
    {
        Ca = ca;
        Server = server;
        Client = client;
    }

    public X509Certificate2 Ca { get; }

    /// <summary>Server certificate with private key, exportable for Kestrel.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>Client certificate with private key (CN=jane, O=system:masters).</summary>
    public X509Certificate2 Client { get; }

    public string CaPem => Ca.ExportCertificatePem();
    public string ClientCertificatePem => Client.ExportCertificatePem();
    /// <summary>The client key as SEC1 (<c>EC PRIVATE KEY</c>), as kubeadm-style tools write it.</summary>
    public string ClientKeyPem { get; private init; } = "";

    /// <summary>The client key as PKCS#8 (<c>PRIVATE KEY</c>), as cert-manager and openssl genpkey write it.</summary>
    public string ClientKeyPkcs8Pem { get; private init; } = "";

    public static TestCertificates Create(string caName = "test-ca")
    {
        // ECDSA keys: generating RSA keys takes seconds on a busy two-core machine.
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes.default.svc");
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serverPublic = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(10), RandomNumberGenerator.GetBytes(8));
        using var serverWithKey = serverPublic.CopyWithPrivateKey(serverKey);
        var server = X509CertificateLoader.LoadPkcs12(serverWithKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=jane, O=system:masters", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var clientPublic = clientRequest.Create(ca, now.AddDays(-1), now.AddDays(10), RandomNumberGenerator.GetBytes(8));
        var client = clientPublic.CopyWithPrivateKey(clientKey);
        return new TestCertificates(ca, server, client)
        {
            ClientKeyPem = clientKey.ExportECPrivateKeyPem(),
            ClientKeyPkcs8Pem = clientKey.ExportPkcs8PrivateKeyPem(),
        };
    }

    public static string Base64(string pem) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem));

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
    }
}
