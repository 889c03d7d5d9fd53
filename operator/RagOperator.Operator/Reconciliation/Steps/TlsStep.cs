using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Keeps the collection's certificates (spec.tls.mode Operator): the CA Secret, one Secret per shard and one for the
/// routers, each created, renewed or given the current trust bundle as <see cref="CertificatePlanner"/> decides, and
/// written only then. Runs before any workload is applied, so no pod mounts a Secret that does not exist yet. Secrets
/// are read by name each reconcile (the operator may not list or watch Secrets). The trust bundle it leaves in
/// <see cref="ReconcileContext.ShardTrust"/> is what the operator's own Qdrant calls verify shards against. Renewal
/// times are weeks ahead, so the healthy resync notices them; the step asks for no requeue of its own.
/// </summary>
public sealed class TlsStep : IReconcileStep
{
    public string Name => "tls";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        if (!context.Tls)
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

        IEnumerable<(CertificateNeed Need, string Role)> needs =
        [
            .. Enumerable.Range(0, context.ShardCount).Select(shard => (CertificateNeeds.Shard(context.Namespace, context.Name, shard), "Shard")),
            (CertificateNeeds.Router(context.Namespace, context.Name), "Router"),
        ];
        foreach (var (need, role) in needs)
        {
            var (stored, owned) = await ReadOwnedAsync(context, need.SecretName, cancellationToken);
            if (!owned) return Blocked(context);
            var (certificate, bundle) = TlsSecretBuilder.Read(stored);
            var leaf = CertificatePlanner.Leaf(need, authority.State, certificate, bundle, now, lifetimes);
            if (leaf.Changed) await WriteAsync(context, TlsSecretBuilder.Leaf(input, need.SecretName, leaf), role, leaf.Reason!, cancellationToken);
            certificates.Add(Describe(need.SecretName, role, leaf.Certificate));
        }

        context.ShardTrust = TrustBundle.FromPem(authority.State.TrustBundlePem);
        context.Facts.Tls = new TlsStatus { Mode = nameof(TlsMode.Operator), Certificates = certificates };
        var soonest = certificates.MinBy(c => c.NotAfter)!;
        context.Facts.ExtraConditions.Add(new Condition
        {
            Type = ConditionTypes.Tls,
            Status = "True",
            Reason = Reasons.CertificatesValid,
            Message = $"shard and router traffic uses TLS with certificates from the collection's CA ({caName}); the first to expire is {soonest.Secret} on {soonest.NotAfter:u}, renewed on {soonest.RenewAt:u}",
        });
        return StepResult.Continue;
    }

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
