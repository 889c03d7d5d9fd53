using System.Text;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Validation;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// What the CRD schema cannot check: the node pool exists and matches at least one node; the referenced Secrets
/// exist and have the key; and the rules of <see cref="SpecValidator.BeyondSchema"/>. Any failure stops the chain
/// before a single child is written — never half a change — and is reported as a condition with a reason and a
/// message saying how to fix it. Pools and nodes are watched, so fixing them triggers a reconcile; Secrets are
/// not watched (the operator does not cache Secrets), so a blocked collection is looked at again after
/// <see cref="Builders.OperatorSettings.BlockedRecheck"/> (30 seconds by default).
/// </summary>
public sealed class SpecChecksStep : IReconcileStep
{
    public string Name => "spec-checks";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var blockers = context.Facts.Blockers;
        foreach (var problem in SpecValidator.BeyondSchema(context.Collection).Concat(SpecValidator.CelRules(context.Spec)))
            blockers.Add(new Blocker(Reasons.InvalidSpec, problem.ToString()));

        CheckNodePool(context, blockers);
        context.QdrantApiKey = await ReadKeyAsync(context, context.Spec.Qdrant.ApiKeySecretRef, "spec.qdrant.apiKeySecretRef", blockers, cancellationToken);
        context.RouterApiKey = await ReadKeyAsync(context, context.Spec.Router.ApiKeySecretRef, "spec.router.apiKeySecretRef", blockers, cancellationToken);
        return blockers.Count == 0 ? StepResult.Continue : StepResult.RequeueAfter(context.Services.Settings.BlockedRecheck, blockers[0].Reason);
    }

    private static void CheckNodePool(ReconcileContext context, List<Blocker> blockers)
    {
        if (context.Spec.NodePoolRef is not { } reference) return;
        var pool = context.Services.View.Get<VectorNodePool>(null, reference.Name);
        if (pool is null)
        {
            blockers.Add(new Blocker(Reasons.NodePoolNotFound,
                $"VectorNodePool {reference.Name} (spec.nodePoolRef) does not exist; create it, or change or remove spec.nodePoolRef"));
            return;
        }

        context.NodePool = pool;
        var matching = context.Services.View.List<Node>(null).Count(node => NodeMatcher.Matches(pool, node));
        if (matching == 0)
        {
            var selector = pool.Spec.NodeSelector is { Count: > 0 } labels ? string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")) : "(none)";
            blockers.Add(new Blocker(Reasons.NoMatchingNodes,
                $"VectorNodePool {reference.Name} matches no schedulable node (nodeSelector {selector}); label nodes to match it " +
                "(kubectl label node <node> key=value), add tolerations for their taints, or fix the pool's selector"));
        }
    }

    private static async Task<string?> ReadKeyAsync(
        ReconcileContext context, SecretKeySelector? selector, string field, List<Blocker> blockers, CancellationToken cancellationToken)
    {
        if (selector is null || selector.Name.Length == 0 || selector.Key.Length == 0) return null;
        var secret = await context.Services.Client.TryGetAsync<Secret>(selector.Name, context.Namespace, cancellationToken);
        if (secret is null)
        {
            blockers.Add(new Blocker(Reasons.SecretNotFound,
                $"Secret {selector.Name} ({field}) does not exist in namespace {context.Namespace}; create it, for example " +
                $"kubectl -n {context.Namespace} create secret generic {selector.Name} --from-literal={selector.Key}=<value>"));
            return null;
        }

        if (secret.Data?.TryGetValue(selector.Key, out var value) != true || value is not { Length: > 0 })
        {
            blockers.Add(new Blocker(Reasons.SecretKeyNotFound,
                $"Secret {selector.Name} ({field}) has no non-empty key {selector.Key}; add the key or change {field}.key"));
            return null;
        }

        return Encoding.UTF8.GetString(value);
    }

    /// <summary>The value of a Secret key, or null when anything is missing (deletion uses it best-effort).</summary>
    public static async Task<string?> TryReadSecretAsync(ReconcileContext context, SecretKeySelector? selector, CancellationToken cancellationToken)
    {
        if (selector is null) return null;
        var secret = await context.Services.Client.TryGetAsync<Secret>(selector.Name, context.Namespace, cancellationToken);
        return secret?.Data?.TryGetValue(selector.Key, out var value) == true ? Encoding.UTF8.GetString(value) : null;
    }
}
