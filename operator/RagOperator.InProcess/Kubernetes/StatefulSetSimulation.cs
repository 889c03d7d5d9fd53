using System.Globalization;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Plays the StatefulSet controller: pods <c>&lt;sts&gt;-&lt;ordinal&gt;</c> with the template's labels plus
/// statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and controller-revision-hash, an owner
/// reference to the StatefulSet, hostname and subdomain (serviceName), and PersistentVolumeClaims
/// <c>&lt;template&gt;-&lt;sts&gt;-&lt;ordinal&gt;</c> per volumeClaimTemplate (owned per
/// persistentVolumeClaimRetentionPolicy). OrderedReady creates one pod at a time once the lower ordinals are
/// Ready; Parallel creates them all. Scale-down removes the highest ordinal first. RollingUpdate replaces
/// outdated pods from the highest ordinal down (respecting the partition) once all pods are Ready; OnDelete
/// leaves them. Status carries replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas,
/// current/updateRevision and observedGeneration, written after the spec change as the controller does (so a client
/// reading right after its own write sees the previous generation's status), with the controller's rules:
/// currentRevision moves to updateRevision only when a RollingUpdate completes (never under OnDelete), replicas
/// counts terminating pods, updated/currentReplicas do not. Differences: readyReplicas leaves terminating pods out
/// (the real controller counts one whose Ready condition is still True during its grace period; here pods are
/// deleted at once, and only a finalizer keeps one terminating). minReadySeconds and spec.ordinals are not supported.
/// </summary>
internal sealed class StatefulSetSimulation(SimulatorClient client, WorkloadSimulatorOptions options)
{
    private const string Manager = "kube-controller-manager";

    public void Reconcile()
    {
        var podsByController = PodIndex.ByController(client.List("pods"));
        var claims = client.List("persistentvolumeclaims");
        foreach (var sts in client.List("statefulsets.apps"))
        {
            if (!Meta.IsTerminating(sts))
            {
                ReconcileOne(sts, [.. podsByController[Meta.Uid(sts) ?? ""]], claims);
            }
        }
    }

    /// <param name="controlled">The pods (of this pass) whose controller reference names this StatefulSet's UID.</param>
    private void ReconcileOne(JsonObject sts, IReadOnlyList<JsonObject> controlled, IReadOnlyList<JsonObject> claims)
    {
        var name = Meta.Name(sts)!;
        var ns = Meta.Namespace(sts)!;
        var uid = Meta.Uid(sts)!;
        var spec = sts["spec"] as JsonObject ?? new JsonObject();
        var replicas = (int)(JsonTree.GetLong(spec["replicas"]) ?? 1);
        var revision = $"{name}-{TemplateHash.Of(spec["template"])}";
        var parallel = JsonTree.GetString(spec["podManagementPolicy"]) == "Parallel";
        var selector = LabelSelector.FromObject(spec["selector"] as JsonObject);
        var pods = controlled
            .Where(p => Meta.Namespace(p) == ns && Meta.OwnerReferences(p).Any(r => r.Uid == uid && r.Controller) && selector.Matches(p))
            .Select(p => (Ordinal: OrdinalOf(name, Meta.Name(p)!), Pod: p))
            .Where(p => p.Ordinal >= 0)
            .ToDictionary(p => p.Ordinal, p => p.Pod);

        var changed = false;

        // Pods this pass creates or deletes; the status is then computed from a fresh read of exactly these and the rest.
        var touched = new List<string>();
        for (var ordinal = 0; ordinal < replicas; ordinal++)
        {
            if (pods.ContainsKey(ordinal))
            {
                continue;
            }

            if (!parallel && Enumerable.Range(0, ordinal).Any(lower => !pods.TryGetValue(lower, out var p) || !SimulatedKubelet.IsReady(p)))
            {
                break;
            }

            CreateClaims(sts, ordinal, claims);
            var created = NewPod(sts, ordinal, revision);
            touched.Add(Meta.Name(created)!);
            changed |= client.Create("pods", created, Manager);
            if (!parallel)
            {
                break;
            }
        }

        // Scale down from the highest ordinal.
        var surplus = pods.Keys.Where(o => o >= replicas).OrderByDescending(o => o).ToList();
        foreach (var ordinal in parallel ? surplus : surplus.Take(1))
        {
            var pod = pods[ordinal];
            if (!Meta.IsTerminating(pod))
            {
                touched.Add(Meta.Name(pod)!);
                changed |= client.Delete("pods", ns, Meta.Name(pod)!, Meta.Uid(pod));
                if (JsonTree.GetString(JsonTree.At(spec, "persistentVolumeClaimRetentionPolicy", "whenScaled")) == "Delete")
                {
                    DeleteClaims(sts, ordinal);
                }
            }
        }

        // Rolling update: replace the highest outdated pod once every pod is up and Ready.
        var strategy = JsonTree.GetString(JsonTree.At(spec, "updateStrategy", "type")) ?? "RollingUpdate";
        if (!changed && strategy == "RollingUpdate" && surplus.Count == 0
            && Enumerable.Range(0, replicas).All(o => pods.TryGetValue(o, out var p) && SimulatedKubelet.IsReady(p)))
        {
            var partition = (int)(JsonTree.GetLong(JsonTree.At(spec, "updateStrategy", "rollingUpdate", "partition")) ?? 0);
            var outdated = Enumerable.Range(0, replicas).Reverse()
                .Where(o => o >= partition && RevisionOf(pods[o]) != revision)
                .Select(o => pods[o])
                .FirstOrDefault();
            if (outdated is not null)
            {
                touched.Add(Meta.Name(outdated)!);
                client.Delete("pods", ns, Meta.Name(outdated)!, Meta.Uid(outdated));
            }
        }

        WriteStatus(sts, revision, touched.Count == 0 ? controlled : PodIndex.Reread(client, ns, controlled.Select(p => Meta.Name(p)!).Concat(touched)));
    }

    /// <param name="candidates">The pods that may belong to the StatefulSet, as they are now.</param>
    private void WriteStatus(JsonObject sts, string revision, IReadOnlyList<JsonObject> candidates)
    {
        var name = Meta.Name(sts)!;
        var uid = Meta.Uid(sts)!;
        var ns = Meta.Namespace(sts)!;
        // status.replicas counts every pod that exists, terminating ones included; the revision counts leave those out.
        var created = candidates
            .Where(p => Meta.Namespace(p) == ns && Meta.OwnerReferences(p).Any(r => r.Uid == uid && r.Controller) && OrdinalOf(name, Meta.Name(p)!) >= 0)
            .ToList();
        var pods = created.Where(p => !Meta.IsTerminating(p)).ToList();
        var previous = sts["status"] as JsonObject;
        var replicas = (int)(JsonTree.GetLong(JsonTree.At(sts, "spec", "replicas")) ?? 1);
        var updated = pods.Count(p => RevisionOf(p) == revision);
        var ready = pods.Count(SimulatedKubelet.IsReady);

        // The controller completes a rolling update (currentRevision := updateRevision) only under RollingUpdate, once
        // exactly spec.replicas pods exist, all updated and Ready. Under OnDelete currentRevision stays where it was.
        var current = JsonTree.GetString(previous?["currentRevision"]) ?? revision;
        var strategy = JsonTree.GetString(JsonTree.At(sts, "spec", "updateStrategy", "type")) ?? "RollingUpdate";
        if (strategy == "RollingUpdate" && updated == replicas && ready == replicas && created.Count == replicas)
        {
            current = revision;
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = Meta.Generation(sts),
            ["replicas"] = created.Count,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = pods.Count(p => RevisionOf(p) == current),
            ["updatedReplicas"] = updated,
            ["currentRevision"] = current,
            ["updateRevision"] = revision,
            ["collisionCount"] = 0,
            ["availableReplicas"] = ready,
        };
        if (JsonNode.DeepEquals(previous, status))
        {
            return;
        }

        var copy = JsonTree.Clone(sts);
        copy["status"] = status;
        client.UpdateStatus("statefulsets.apps", copy, Manager);
    }

    private static JsonObject NewPod(JsonObject sts, int ordinal, string revision)
    {
        var name = Meta.Name(sts)!;
        var podName = $"{name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var template = JsonTree.At(sts, "spec", "template") as JsonObject ?? new JsonObject();
        var labels = template["metadata"]?["labels"] is JsonObject templateLabels ? JsonTree.Clone(templateLabels) : new JsonObject();
        labels["statefulset.kubernetes.io/pod-name"] = podName;
        labels["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture);
        labels["controller-revision-hash"] = revision;
        var metadata = new JsonObject
        {
            ["name"] = podName,
            ["namespace"] = Meta.Namespace(sts),
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(OwnerReference(sts, "apps/v1", "StatefulSet")),
        };
        if (template["metadata"]?["annotations"] is JsonObject annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }

        var spec = template["spec"] is JsonObject templateSpec ? JsonTree.Clone(templateSpec) : new JsonObject();
        spec["hostname"] = podName;
        if (JsonTree.GetString(JsonTree.At(sts, "spec", "serviceName")) is { Length: > 0 } serviceName)
        {
            spec["subdomain"] = serviceName;
        }

        if (JsonTree.At(sts, "spec", "volumeClaimTemplates") is JsonArray claimTemplates)
        {
            if (spec["volumes"] is not JsonArray volumes)
            {
                volumes = [];
                spec["volumes"] = volumes;
            }

            foreach (var claim in claimTemplates.OfType<JsonObject>())
            {
                var claimName = Meta.Name(claim)!;
                volumes.Add(new JsonObject
                {
                    ["name"] = claimName,
                    ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = $"{claimName}-{podName}" },
                });
            }
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
    }

    private void CreateClaims(JsonObject sts, int ordinal, IReadOnlyList<JsonObject> claims)
    {
        if (!options.ManagePersistentVolumeClaims || JsonTree.At(sts, "spec", "volumeClaimTemplates") is not JsonArray templates)
        {
            return;
        }

        var ns = Meta.Namespace(sts)!;
        var podName = $"{Meta.Name(sts)}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var deleteWithSet = JsonTree.GetString(JsonTree.At(sts, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted")) == "Delete";
        foreach (var template in templates.OfType<JsonObject>())
        {
            var claimName = $"{Meta.Name(template)}-{podName}";
            if (claims.Any(c => Meta.Namespace(c) == ns && Meta.Name(c) == claimName))
            {
                continue;
            }

            var labels = JsonTree.At(sts, "spec", "selector", "matchLabels") is JsonObject matchLabels ? JsonTree.Clone(matchLabels) : new JsonObject();
            var metadata = new JsonObject { ["name"] = claimName, ["namespace"] = ns, ["labels"] = labels };
            if (deleteWithSet)
            {
                metadata["ownerReferences"] = new JsonArray(OwnerReference(sts, "apps/v1", "StatefulSet"));
            }

            var claim = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "PersistentVolumeClaim",
                ["metadata"] = metadata,
                ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
            };
            if (client.Create("persistentvolumeclaims", claim, Manager))
            {
                // Volumes bind at once: there is no provisioner to wait for.
                if (client.Store.Get("persistentvolumeclaims", ns, claimName) is { } created)
                {
                    created["status"] = new JsonObject { ["phase"] = "Bound", ["accessModes"] = JsonTree.At(template, "spec", "accessModes")?.DeepClone() };
                    client.UpdateStatus("persistentvolumeclaims", created, "persistentvolume-controller");
                }
            }
        }
    }

    private void DeleteClaims(JsonObject sts, int ordinal)
    {
        if (JsonTree.At(sts, "spec", "volumeClaimTemplates") is not JsonArray templates)
        {
            return;
        }

        var podName = $"{Meta.Name(sts)}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        foreach (var template in templates.OfType<JsonObject>())
        {
            client.Delete("persistentvolumeclaims", Meta.Namespace(sts), $"{Meta.Name(template)}-{podName}");
        }
    }

    internal static JsonObject OwnerReference(JsonObject owner, string apiVersion, string kind) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = Meta.Name(owner),
        ["uid"] = Meta.Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static string? RevisionOf(JsonObject pod) => Meta.Labels(pod).GetValueOrDefault("controller-revision-hash");

    private static int OrdinalOf(string setName, string podName) =>
        podName.StartsWith(setName + "-", StringComparison.Ordinal)
        && int.TryParse(podName.AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : -1;
}
