using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Router;

/// <summary>
/// The router's TLS material as files (mounted from the Secret <c>&lt;collection&gt;-router-tls</c>): its own
/// certificate for HTTPS and the CA bundle it verifies shards against. The kubelet replaces a renewed Secret's files in
/// place, so they are read again when they changed, looked at no more than every <see cref="RecheckEvery"/>: a
/// renewal or a CA rotation takes effect without a restart. Read once at start-up, so a missing or broken file stops
/// the router with a message instead of failing handshakes later.
/// </summary>
public sealed class RouterTlsFiles
{
    public static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(30);

    private readonly RouterOptions options;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private long checkedAt;
    private string fingerprint = "";
    private X509Certificate2? certificate;
    private TrustBundle? trust;

    /// <exception cref="ArgumentException">A file is missing or not the PEM it should be; the message names it.</exception>
    public RouterTlsFiles(RouterOptions options, TimeProvider? time = null)
    {
        this.options = options;
        this.time = time ?? TimeProvider.System;
        checkedAt = this.time.GetTimestamp();
        Reload(Read());
    }

    public bool ServesHttps => options.TlsCertificateFile is not null;

    /// <summary>The certificate the router presents; null when it serves plain HTTP.</summary>
    public X509Certificate2? ServerCertificate
    {
        get
        {
            Refresh();
            return certificate;
        }
    }

    /// <summary>The CAs shards are verified against; null for the system's roots.</summary>
    public TrustBundle? ShardTrust
    {
        get
        {
            Refresh();
            return trust;
        }
    }

    private void Refresh()
    {
        if (time.GetElapsedTime(Volatile.Read(ref checkedAt)) < RecheckEvery) return;
        lock (gate)
        {
            if (time.GetElapsedTime(checkedAt) < RecheckEvery) return;
            checkedAt = time.GetTimestamp();
            try
            {
                Reload(Read());
            }
            catch (ArgumentException)
            {
                // A Secret update caught half-written: keep serving what was read last, and look again next time.
            }
        }
    }

    private (string? Certificate, string? Key, string? Trust) Read() =>
        (ReadFile(options.TlsCertificateFile, "TLS_CERT_FILE"), ReadFile(options.TlsKeyFile, "TLS_KEY_FILE"), ReadFile(options.ShardTrustFile, "SHARD_CA_FILE"));

    private void Reload((string? Certificate, string? Key, string? Trust) files)
    {
        var next = string.Concat(files.Certificate, "\0", files.Key, "\0", files.Trust);
        if (next == fingerprint) return;
        X509Certificate2? loaded = null;
        if (files.Certificate is not null)
        {
            try
            {
                using var pem = X509Certificate2.CreateFromPem(files.Certificate, files.Key);
                // Kestrel needs a certificate whose key it can use for the handshake on every platform.
                loaded = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (CryptographicException e)
            {
                throw new ArgumentException($"TLS_CERT_FILE {options.TlsCertificateFile} and TLS_KEY_FILE {options.TlsKeyFile} are not a PEM certificate and its key: {e.Message}", e);
            }
        }

        TrustBundle? bundle;
        try
        {
            bundle = files.Trust is null ? null : TrustBundle.FromPem(files.Trust);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"SHARD_CA_FILE {options.ShardTrustFile}: {e.Message}", e);
        }

        certificate = loaded;
        trust = bundle;
        fingerprint = next;
    }

    private static string? ReadFile(string? path, string variable)
    {
        if (path is null) return null;
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{variable} {path} cannot be read: {e.Message}", e);
        }
    }
}
