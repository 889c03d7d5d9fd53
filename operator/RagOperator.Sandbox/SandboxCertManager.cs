using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using InProcessKubernetesApiServer = RagOperator.InProcess.Kubernetes.InProcessKubernetesApiServer;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Watching;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Tls;

namespace RagOperator.Sandbox;

/// <summary>
/// Plays cert-manager for spec.tls.mode CertManager: serves the <c>cert-manager.io/v1</c> Certificate API and, for each
/// Certificate, keeps its Secret (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) signed by the CA of the issuer it
/// names, and its status (Ready, notAfter, renewalTime) as cert-manager reports them.
/// <para>Differences from cert-manager: every issuer is a CA issuer whose CA this class makes on first use (there are
/// no Issuer objects; <see cref="Refuse"/> makes an issuer fail instead); no CertificateRequests; a Certificate is
/// re-issued when its request changes, not on a renewal schedule; only the DNS names, common name and lifetime of
/// the request are honoured (ECDSA P-256 keys always).</para>
/// </summary>
public sealed class SandboxCertManager : IAsyncDisposable
{
    private const string FieldManager = "cert-manager-certificates";

    /// <summary>A minimal CustomResourceDefinition of cert-manager's Certificate (the schema keeps unknown fields).</summary>
    public const string CertificateCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: certificates.cert-manager.io
        spec:
          group: cert-manager.io
          names: { kind: Certificate, listKind: CertificateList, plural: certificates, singular: certificate, shortNames: [cert, certs] }
          scope: Namespaced
          versions:
            - name: v1
              served: true
              storage: true
              subresources: { status: {} }
              schema:
                openAPIV3Schema:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
        """;

    private readonly IKubernetesClient client;
    private readonly ILogger logger;
    private readonly Informer<CertManagerCertificate> certificates;
    private readonly Channel<string> changes = Channel.CreateUnbounded<string>();
    private readonly Dictionary<string, IssuedCertificate> authorities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> refused = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task informerLoop;
    private readonly Task worker;

    private SandboxCertManager(IKubernetesClient client, ILogger logger)
    {
        this.client = client;
        this.logger = logger;
        certificates = new Informer<CertManagerCertificate>(client, new InformerOptions());
        certificates.AddEventHandler(
            onAdd: c => changes.Writer.TryWrite(ObjectKey.Of(c)),
            onUpdate: (_, c) => changes.Writer.TryWrite(ObjectKey.Of(c)),
            onDelete: _ => { });
        informerLoop = certificates.RunAsync(stop.Token);
        worker = Task.Run(() => WorkAsync(stop.Token));
    }

    /// <summary>Registers the Certificate API on the server and starts issuing.</summary>
    public static async Task<SandboxCertManager> StartAsync(InProcessKubernetesApiServer apiServer, IKubernetesClient client, ILogger? logger, CancellationToken cancellationToken)
    {
        apiServer.RegisterCustomResourceDefinitions(CertificateCrd);
        var manager = new SandboxCertManager(client, logger ?? NullLogger.Instance);
        await manager.certificates.WaitForSyncAsync(cancellationToken);
        return manager;
    }

    /// <summary>The CA bundle (PEM) an issuer signs with, made on first use.</summary>
    public string CaPem(string issuer)
    {
        lock (gate) return Authority(issuer).CertificatePem;
    }

    /// <summary>Makes an issuer fail every Certificate that names it with <paramref name="reason"/>, as a broken issuer does; null heals it.</summary>
    public void Refuse(string issuer, string? reason)
    {
        lock (gate)
        {
            if (reason is null) refused.Remove(issuer);
            else refused[issuer] = reason;
        }

        foreach (var certificate in certificates.List()) changes.Writer.TryWrite(ObjectKey.Of(certificate));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        changes.Writer.TryComplete();
        await StoppedTasks.WaitAsync(informerLoop, worker);

        stop.Dispose();
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var key in changes.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                if (certificates.Get(key) is { } certificate) await IssueAsync(certificate, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Sandbox cert-manager {Key}: {Error}; retrying", key, e.Message);
                _ = Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ContinueWith(_ => changes.Writer.TryWrite(key), TaskScheduler.Default);
            }
        }
    }

    private async Task IssueAsync(CertManagerCertificate certificate, CancellationToken cancellationToken)
    {
        var spec = certificate.Spec;
        var ns = certificate.Metadata.Namespace!;
        var issuer = spec.IssuerRef.Name;
        string? refusal;
        lock (gate) refusal = refused.GetValueOrDefault(issuer);
        if (refusal is not null)
        {
            await ReportAsync(certificate, ready: false, "Failed", $"issuer {issuer}: {refusal}", null, cancellationToken);
            return;
        }

        var existing = await client.TryGetAsync<Secret>(spec.SecretName, ns, cancellationToken);
        var (stored, _) = TlsSecretBuilder.Read(existing);
        if (stored is not null && Matches(stored, spec) && certificate.Status?.Conditions?.Any(c => c is { Type: "Ready", Status: "True" }) == true) return;

        IssuedCertificate authority;
        lock (gate) authority = Authority(issuer);
        var lifetime = ParseHours(spec.Duration) ?? TimeSpan.FromDays(90);
        var leaf = stored is not null && Matches(stored, spec)
            ? stored
            : CertificateIssuer.IssueLeaf(authority, spec.CommonName ?? spec.DnsNames![0], [.. spec.DnsNames ?? []], DateTimeOffset.UtcNow, lifetime);
        await client.ApplyAsync(new Secret
        {
            Metadata = new ObjectMeta
            {
                Name = spec.SecretName,
                Namespace = ns,
                Annotations = new Dictionary<string, string> { ["cert-manager.io/certificate-name"] = certificate.Metadata.Name!, ["cert-manager.io/issuer-name"] = issuer },
            },
            Type = TlsSecretBuilder.TlsType,
            Data = new Dictionary<string, byte[]>
            {
                [TlsSecretBuilder.CertificateKey] = Encoding.UTF8.GetBytes(leaf.CertificatePem),
                [TlsSecretBuilder.PrivateKeyKey] = Encoding.UTF8.GetBytes(leaf.PrivateKeyPem),
                [TlsSecretBuilder.TrustBundleKey] = Encoding.UTF8.GetBytes(authority.CertificatePem),
            },
        }, new ApplyOptions(FieldManager, Force: true), cancellationToken);
        using var loaded = X509Certificate2.CreateFromPem(leaf.CertificatePem);
        await ReportAsync(certificate, ready: true, "Ready", "Certificate is up to date and has not expired", loaded, cancellationToken);
        logger.LogInformation("Sandbox cert-manager issued {Secret} in {Namespace} from issuer {Issuer}", spec.SecretName, ns, issuer);
    }

    private async Task ReportAsync(CertManagerCertificate certificate, bool ready, string reason, string message, X509Certificate2? issued, CancellationToken cancellationToken)
    {
        var notBefore = issued is null ? (DateTimeOffset?)null : new DateTimeOffset(issued.NotBefore.ToUniversalTime());
        var notAfter = issued is null ? (DateTimeOffset?)null : new DateTimeOffset(issued.NotAfter.ToUniversalTime());
        var renewBefore = ParseHours(certificate.Spec.RenewBefore);
        await client.ApplyStatusAsync(new CertManagerCertificate
        {
            Metadata = new ObjectMeta { Name = certificate.Metadata.Name, Namespace = certificate.Metadata.Namespace },
            Status = new CertManagerCertificateStatus
            {
                Conditions = [new Condition { Type = "Ready", Status = ready ? "True" : "False", Reason = reason, Message = message, LastTransitionTime = DateTimeOffset.UtcNow }],
                NotBefore = notBefore,
                NotAfter = notAfter,
                RenewalTime = notAfter is { } end && renewBefore is { } before ? end - before : notBefore + (notAfter - notBefore) * 2 / 3,
                Revision = ready ? (certificate.Status?.Revision ?? 0) + 1 : certificate.Status?.Revision,
            },
        }, new ApplyOptions(FieldManager, Force: true), cancellationToken);
    }

    private IssuedCertificate Authority(string issuer)
    {
        if (!authorities.TryGetValue(issuer, out var authority))
        {
            authority = CertificateIssuer.CreateAuthority($"sandbox cert-manager issuer {issuer}", DateTimeOffset.UtcNow, TimeSpan.FromDays(365));
            authorities[issuer] = authority;
        }

        return authority;
    }

    /// <summary>Whether a stored certificate still answers the request (its DNS names).</summary>
    private static bool Matches(IssuedCertificate stored, CertManagerCertificateSpec spec)
    {
        using var certificate = X509Certificate2.CreateFromPem(stored.CertificatePem);
        return CertificateIssuer.DnsNames(certificate).Order(StringComparer.Ordinal).SequenceEqual((spec.DnsNames ?? []).Order(StringComparer.Ordinal));
    }

    /// <summary>A Go duration of whole hours or minutes (what the operator writes); null for anything else.</summary>
    private static TimeSpan? ParseHours(string? duration) =>
        duration is { Length: > 1 } text && long.TryParse(text[..^1], System.Globalization.CultureInfo.InvariantCulture, out var count)
            ? text[^1] switch { 'h' => TimeSpan.FromHours(count), 'm' => TimeSpan.FromMinutes(count), _ => null }
            : null;
}
