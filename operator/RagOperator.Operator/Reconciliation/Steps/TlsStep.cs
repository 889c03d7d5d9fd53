using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Makes sure the certificates shards and routers serve exist before any workload is applied, by spec.tls.mode:
/// <list type="bullet">
/// <item>Operator: keeps the CA Secret, one Secret per shard and one for the routers, each created, renewed or given
/// the current trust bundle as <see cref="CertificatePlanner"/> decides, and written only then.</item>
/// <item>CertManager: keeps a cert-manager Certificate for each of those Secrets and checks what cert-manager wrote
/// (<see cref="ServedCertificateCheck"/>); until a Secret is usable the TLS condition says what cert-manager reports.</item>
/// <item>Secret: checks the user's two Secrets; a problem blocks the collection with what to fix.</item>
/// </list>
/// Secrets are read by name each reconcile (the operator may not list or watch Secrets). The trust bundle it leaves in
/// <see cref="ReconcileContext.ShardTrust"/> is what the operator's own Qdrant calls verify shards against. Renewal
/// times are weeks ahead, so the healthy resync notices them.
/// </summary>
public sealed class TlsStep : IReconcileStep
{
    public string Name => "tls";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken) => context.Spec.Tls.Mode switch
    {
        TlsMode.Operator => OperatorAsync(context, cancellationToken),
        TlsMode.CertManager => CertManagerAsync(context, cancellationToken),
        TlsMode.Secret => UserSecretsAsync(context, cancellationToken),
        _ => Task.FromResult(Disabled(context)),
    };

    private static StepResult Disabled(ReconcileContext context)
    {
        context.ShardTrust = null;
        context.Facts.Tls = new TlsStatus { Mode = nameof(TlsMode.Disabled) };
        context.Facts.ExtraConditions.Add(new Condition
        {
            Type = ConditionTypes.Tls,
            Status = "False",
            Reason = Reasons.TlsDisabled,
            Message = "spec.tls.mode is Disabled: shard (REST, gRPC, peer-to-peer) and router traffic, API keys included, is clear text",
        });
        return StepResult.Continue;
    }

    private static async Task<StepResult> OperatorAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var input = context.Input;
        var now = context.Services.Time.GetUtcNow();
        var lifetimes = context.Services.Settings.CertificateLifetimes;
        var certificates = new List<CertificateStatus>();

        var caName = ChildNames.CertificateAuthority(context.Name);
        var (storedCa, caOwned) = await ReadOwnedAsync(context, caName, cancellationToken);
        if (!caOwned) return Blocked(context);
        var authority = CertificatePlanner.Authority($"{context.Namespace}/{context.Name}", TlsSecretBuilder.ReadAuthority(storedCa), now, lifetimes);
        if (authority.Changed) await WriteAsync(context, TlsSecretBuilder.Authority(input, authority.State), "CA", authority.Reason!, cancellationToken);
        certificates.Add(Describe(caName, "CA", authority.State.Current));

        foreach (var (need, role) in Needs(context))
        {
            var (stored, owned) = await ReadOwnedAsync(context, need.SecretName, cancellationToken);
            if (!owned) return Blocked(context);
            var (certificate, bundle) = TlsSecretBuilder.Read(stored);
            var leaf = CertificatePlanner.Leaf(need, authority.State, certificate, bundle, now, lifetimes);
            if (leaf.Changed) await WriteAsync(context, TlsSecretBuilder.Leaf(input, need.SecretName, leaf), role, leaf.Reason!, cancellationToken);
            certificates.Add(Describe(need.SecretName, role, leaf.Certificate));
        }

        return Serving(context, TlsMode.Operator, authority.State.TrustBundlePem, certificates,
            $"shard and router traffic uses TLS with certificates from the collection's CA ({caName})");
    }

    private static async Task<StepResult> CertManagerAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var issuer = context.Spec.Tls.IssuerRef!;
        var now = context.Services.Time.GetUtcNow();
        var client = context.Services.Client;
        var certificates = new List<CertificateStatus>();
        var pending = new List<string>();
        var notReady = new List<string>();
        // Every CA the Secrets name: while cert-manager moves the Certificates to a new issuer CA one by one, shards
        // serving either are trusted.
        var bundles = new List<string>();
        foreach (var (need, role) in Needs(context))
        {
            var desired = CertificateBuilder.Build(context.Input, need, issuer, context.Services.Settings.CertificateLifetimes);
            CertManagerCertificate? current;
            try
            {
                current = await client.TryGetAsync<CertManagerCertificate>(need.SecretName, context.Namespace, cancellationToken);
                if (current is not null && !Owners.IsControlledBy(current, context.Collection.Metadata.Uid))
                {
                    context.Facts.Blockers.Add(new Blocker(Reasons.ChildConflict,
                        $"cert-manager Certificate {need.SecretName} exists but does not belong to this collection; delete or rename it, or use another spec.tls.mode"));
                    return Blocked(context);
                }

                if (current is null || !SameRequest(current.Spec, desired.Spec))
                {
                    current = await client.ApplyAsync(desired, new ApplyOptions(context.Services.Applier.FieldManager, Force: true), cancellationToken);
                    await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "CertificateRequested", "RequestCertificate",
                        $"{role} certificate: cert-manager Certificate {need.SecretName} signed by {issuer.Kind} {issuer.Name}", cancellationToken);
                }
            }
            catch (NotFoundException)
            {
                context.Facts.Blockers.Add(new Blocker(Reasons.CertManagerMissing,
                    "spec.tls.mode is CertManager but the cluster does not serve cert-manager.io/v1 Certificates; install cert-manager, or use spec.tls.mode Operator"));
                return Blocked(context);
            }

            var secret = await client.TryGetAsync<Secret>(need.SecretName, context.Namespace, cancellationToken);
            var hosts = role == "Router"
                ? ServedCertificateCheck.RouterHosts(context.Namespace, context.Name)
                : ServedCertificateCheck.ShardHosts(context.Namespace, context.Name, ShardOf(context, need));
            var served = ServedCertificateCheck.Check(need.SecretName, (IReadOnlyDictionary<string, byte[]>?)secret?.Data, hosts, now);
            var readiness = current?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            if (readiness is { Status: not "True" }) notReady.Add($"Certificate {need.SecretName}: {readiness.Reason}: {readiness.Message}");
            if (!served.Usable)
            {
                pending.Add(readiness is { Status: not "True" }
                    ? $"Certificate {need.SecretName} is not Ready ({readiness.Reason}: {readiness.Message})"
                    : served.Problems[0]);
                continue;
            }

            if (!bundles.Contains(served.TrustBundlePem!, StringComparer.Ordinal)) bundles.Add(served.TrustBundlePem!);
            certificates.Add(new CertificateStatus
            {
                Secret = need.SecretName,
                Role = role,
                NotAfter = served.NotAfter,
                RenewAt = current?.Status?.RenewalTime ?? served.RenewAt,
            });
        }

        if (pending.Count > 0)
        {
            // Pods mount these Secrets and wait for them, as they would in any cluster; look again soon.
            context.ShardTrust = bundles.Count == 0 ? null : TrustBundle.FromPem(string.Join("\n", bundles));
            context.Facts.Tls = new TlsStatus { Mode = nameof(TlsMode.CertManager), Certificates = certificates };
            context.Facts.ExtraConditions.Add(new Condition
            {
                Type = ConditionTypes.Tls,
                Status = "False",
                Reason = Reasons.CertificatesPending,
                Message = $"waiting for cert-manager ({issuer.Kind} {issuer.Name}) to issue {pending.Count} certificate(s): {string.Join("; ", pending)}",
            });
            context.Facts.RequeueWithin(context.Services.Settings.BlockedRecheck);
            return StepResult.Continue;
        }

        var also = notReady.Count > 0 ? $"; cert-manager reports {string.Join("; ", notReady)}" : "";
        return Serving(context, TlsMode.CertManager, string.Join("\n", bundles), certificates,
            $"shard and router traffic uses TLS with certificates cert-manager issued ({issuer.Kind} {issuer.Name}){also}");
    }

    private static async Task<StepResult> UserSecretsAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var secrets = context.Spec.Tls.Secrets!;
        var now = context.Services.Time.GetUtcNow();
        var shardHosts = Enumerable.Range(0, context.ShardCount)
            .SelectMany(shard => ServedCertificateCheck.ShardHosts(context.Namespace, context.Name, shard)).ToList();
        var shardSecret = await context.Services.Client.TryGetAsync<Secret>(secrets.Shards, context.Namespace, cancellationToken);
        var routerSecret = await context.Services.Client.TryGetAsync<Secret>(secrets.Router, context.Namespace, cancellationToken);
        var shards = ServedCertificateCheck.Check(secrets.Shards, (IReadOnlyDictionary<string, byte[]>?)shardSecret?.Data, shardHosts, now);
        var router = ServedCertificateCheck.Check(secrets.Router, (IReadOnlyDictionary<string, byte[]>?)routerSecret?.Data,
            ServedCertificateCheck.RouterHosts(context.Namespace, context.Name), now);
        var problems = shards.Problems.Concat(router.Problems).ToList();
        if (problems.Count == 0 && !ServedCertificateCheck.Trusts(router.TrustBundlePem!, shardSecret!.Data!, now))
        {
            problems.Add($"routers verify shards against ca.crt of Secret {secrets.Router}, which holds no CA of the certificate in Secret {secrets.Shards}; add that CA to it");
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems) context.Facts.Blockers.Add(new Blocker(Reasons.InvalidTlsSecret, $"spec.tls.secrets: {problem}"));
            return Blocked(context);
        }

        CertificateStatus Status(string secret, string role, ServedCertificate served) =>
            new() { Secret = secret, Role = role, NotAfter = served.NotAfter, RenewAt = served.RenewAt };
        return Serving(context, TlsMode.Secret, shards.TrustBundlePem!, [Status(secrets.Shards, "Shard", shards), Status(secrets.Router, "Router", router)],
            $"shard and router traffic uses TLS with your certificates (Secrets {secrets.Shards} and {secrets.Router}; the operator does not renew them)");
    }

    /// <summary>Hands the trust bundle to the operator's shard calls and reports the certificates in status and the TLS condition.</summary>
    private static StepResult Serving(ReconcileContext context, TlsMode mode, string trustBundlePem, List<CertificateStatus> certificates, string message)
    {
        context.ShardTrust = TrustBundle.FromPem(trustBundlePem);
        context.Facts.Tls = new TlsStatus { Mode = mode.ToString(), Certificates = certificates };
        var soonest = certificates.MinBy(c => c.NotAfter)!;
        context.Facts.ExtraConditions.Add(new Condition
        {
            Type = ConditionTypes.Tls,
            Status = "True",
            Reason = Reasons.CertificatesValid,
            Message = $"{message}; the first to expire is {soonest.Secret} on {soonest.NotAfter:u}, renewed on {soonest.RenewAt:u}",
        });
        return StepResult.Continue;
    }

    private static IReadOnlyList<(CertificateNeed Need, string Role)> Needs(ReconcileContext context) =>
        CertificateNeeds.All(context.Namespace, context.Name, context.ShardCount);

    private static int ShardOf(ReconcileContext context, CertificateNeed need) =>
        Enumerable.Range(0, context.ShardCount).First(shard => ChildNames.ShardTls(context.Name, shard) == need.SecretName);

    /// <summary>Whether a stored Certificate already asks for what the builder would (so nothing is written).</summary>
    private static bool SameRequest(CertManagerCertificateSpec current, CertManagerCertificateSpec desired) =>
        current.SecretName == desired.SecretName
        && current.CommonName == desired.CommonName
        && (current.DnsNames ?? []).SequenceEqual(desired.DnsNames ?? [])
        && current.Duration == desired.Duration
        && current.RenewBefore == desired.RenewBefore
        && (current.Usages ?? []).SequenceEqual(desired.Usages ?? [])
        && current.PrivateKey?.Algorithm == desired.PrivateKey?.Algorithm
        && current.PrivateKey?.Size == desired.PrivateKey?.Size
        && current.PrivateKey?.RotationPolicy == desired.PrivateKey?.RotationPolicy
        && current.IssuerRef.Name == desired.IssuerRef.Name
        && current.IssuerRef.Kind == desired.IssuerRef.Kind
        && current.IssuerRef.Group == desired.IssuerRef.Group;

    private static async Task<(Secret? Secret, bool Owned)> ReadOwnedAsync(ReconcileContext context, string name, CancellationToken cancellationToken)
    {
        var secret = await context.Services.Client.TryGetAsync<Secret>(name, context.Namespace, cancellationToken);
        if (secret is null || Owners.IsControlledBy(secret, context.Collection.Metadata.Uid)) return (secret, true);
        context.Facts.Blockers.Add(new Blocker(Reasons.ChildConflict,
            $"Secret {name} exists but does not belong to this collection, so the operator cannot keep its certificate there; delete or rename that Secret, or set spec.tls.mode: Disabled"));
        return (secret, false);
    }

    private static StepResult Blocked(ReconcileContext context) =>
        StepResult.RequeueAfter(context.Services.Settings.BlockedRecheck, context.Facts.Blockers[^1].Reason);

    private static async Task WriteAsync(ReconcileContext context, Secret secret, string role, string reason, CancellationToken cancellationToken)
    {
        await context.Services.Client.ApplyAsync(secret, new ApplyOptions(context.Services.Applier.FieldManager, Force: true), cancellationToken);
        await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "CertificateIssued", "IssueCertificate",
            $"{role} certificate in Secret {secret.Metadata.Name}: {reason}", cancellationToken);
    }

    private static CertificateStatus Describe(string secret, string role, IssuedCertificate issued)
    {
        using var certificate = issued.Load();
        return new CertificateStatus
        {
            Secret = secret,
            Role = role,
            NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
            RenewAt = CertificateLifetimes.RenewAt(certificate),
        };
    }
}
