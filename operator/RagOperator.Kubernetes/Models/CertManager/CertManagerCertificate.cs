using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>
/// cert-manager.io/v1 Certificate: asks cert-manager to keep a signed certificate in a Secret. Only the fields the
/// operator writes and reads are modelled; the rest round-trips through <see cref="ExtensionData"/>.
/// </summary>
public sealed class CertManagerCertificate : IKubernetesObject<CertManagerCertificateSpec, CertManagerCertificateStatus>
{
    public string ApiVersion { get; set; } = "cert-manager.io/v1";
    public string Kind { get; set; } = "Certificate";
    public ObjectMeta Metadata { get; set; } = new();
    public CertManagerCertificateSpec Spec { get; set; } = new();
    public CertManagerCertificateStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class CertManagerCertificateSpec
{
    public string SecretName { get; set; } = "";
    public string? CommonName { get; set; }
    public IList<string>? DnsNames { get; set; }

    /// <summary>A Go duration, e.g. <c>2160h</c>.</summary>
    public string? Duration { get; set; }

    /// <summary>A Go duration: renew this long before expiry.</summary>
    public string? RenewBefore { get; set; }

    public IList<string>? Usages { get; set; }
    public CertManagerPrivateKey? PrivateKey { get; set; }
    public CertManagerIssuerReference IssuerRef { get; set; } = new();

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class CertManagerPrivateKey
{
    /// <summary>RSA, ECDSA or Ed25519.</summary>
    public string? Algorithm { get; set; }
    public int? Size { get; set; }

    /// <summary>Always (a new key on every renewal) or Never.</summary>
    public string? RotationPolicy { get; set; }
}

public sealed class CertManagerIssuerReference
{
    public string Name { get; set; } = "";
    public string? Kind { get; set; }
    public string? Group { get; set; }
}

public sealed class CertManagerCertificateStatus
{
    public IList<Condition>? Conditions { get; set; }
    public DateTimeOffset? NotAfter { get; set; }
    public DateTimeOffset? NotBefore { get; set; }
    public DateTimeOffset? RenewalTime { get; set; }
    public int? Revision { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
