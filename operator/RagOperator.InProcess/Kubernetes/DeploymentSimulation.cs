using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Plays the Deployment controller, without ReplicaSets: pods <c>&lt;deployment&gt;-&lt;hash&gt;-&lt;5 chars&gt;</c>
/// owned directly by the Deployment and labelled pod-template-hash. A template change creates the new pods
/// and removes the old ones once every new pod is Ready (RollingUpdate; maxSurge and maxUnavailable are not
/// modelled) or removes the old ones first (Recreate). Status carries replicas, updated/ready/available/
/// unavailableReplicas, observedGeneration and the Available and Progressing conditions.
/// </summary>
internal sealed class DeploymentSimulation(SimulatorClient client, WorkloadSimulatorOptions options, TimeProvider time)
{
    private const string Manager = "kube-controller-manager";
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private readonly Random random = new(options.Seed);

    public void Reconcile()
    {
        var podsByController = PodIndex.ByController(client.List("pods"));
        foreach (var deployment in client.List("deployments.apps"))
        {
            if (!Meta.IsTerminating(deployment))
            {
                ReconcileOne(deployment, [.. podsByController[Meta.Uid(deployment) ?? ""]]);
            }
        }
    }

    /// <param name="controlled">The pods (of this pass) whose controller reference names this Deployment's UID.</param>
    private void ReconcileOne(JsonObject deployment, IReadOnlyList<JsonObject> controlled)
    {
        var ns = Meta.Namespace(deployment)!;
        var uid = Meta.Uid(deployment)!;
        var spec = deployment["spec"] as JsonObject ?? new JsonObject();
        var replicas = (int)(JsonTree.GetLong(spec["replicas"]) ?? 1);
        var hash = TemplateHash.Of(spec["template"]);
        var owned = controlled.Where(p => Meta.Namespace(p) == ns && !Meta.IsTerminating(p) && Meta.OwnerReferences(p).Any(r => r.Uid == uid && r.Controller)).ToList();
        var current = owned.Where(p => HashOf(p) == hash).OrderBy(p => Meta.Name(p), StringComparer.Ordinal).ToList();
        var old = owned.Where(p => HashOf(p) != hash).ToList();
        // Pods this pass creates or deletes; the status is then computed from a fresh read of exactly these and the rest.
        var touched = new List<string>();
        void Delete(JsonObject pod)
        {
            touched.Add(Meta.Name(pod)!);
            client.Delete("pods", ns, Meta.Name(pod)!, Meta.Uid(pod));
        }

        var recreate = JsonTree.GetString(JsonTree.At(spec, "strategy", "type")) == "Recreate";

        if (recreate && old.Count > 0)
        {
            foreach (var pod in old)
            {
                Delete(pod);
            }
        }
        else
        {
            for (var i = current.Count; i < replicas; i++)
            {
                var created = NewPod(deployment, hash);
                touched.Add(Meta.Name(created)!);
                client.Create("pods", created, Manager);
            }

            foreach (var extra in current.Skip(replicas))
            {
                Delete(extra);
            }

            if (old.Count > 0 && current.Count >= replicas && current.Take(replicas).All(SimulatedKubelet.IsReady))
            {
                foreach (var pod in old)
                {
                    Delete(pod);
                }
            }
        }

        WriteStatus(deployment, hash, replicas, touched.Count == 0 ? controlled : PodIndex.Reread(client, ns, controlled.Select(p => Meta.Name(p)!).Concat(touched)));
    }

    /// <param name="candidates">The pods that may belong to the Deployment, as they are now.</param>
    private void WriteStatus(JsonObject deployment, string hash, int replicas, IReadOnlyList<JsonObject> candidates)
    {
        var uid = Meta.Uid(deployment)!;
        var ns = Meta.Namespace(deployment)!;
        var pods = candidates.Where(p => Meta.Namespace(p) == ns && !Meta.IsTerminating(p) && Meta.OwnerReferences(p).Any(r => r.Uid == uid && r.Controller)).ToList();
        var updated = pods.Count(p => HashOf(p) == hash);
        var ready = pods.Count(SimulatedKubelet.IsReady);
        var previous = deployment["status"] as JsonObject;
        var now = Meta.Timestamp(time.GetUtcNow());
        var available = ready >= replicas;
        var complete = updated == replicas && pods.Count == replicas && ready == replicas;
        var status = new JsonObject
        {
            ["observedGeneration"] = Meta.Generation(deployment),
            ["replicas"] = pods.Count,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["unavailableReplicas"] = Math.Max(0, replicas - ready),
            ["conditions"] = new JsonArray(
                Condition(previous, "Available", available ? "True" : "False", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", now),
                Condition(previous, "Progressing", "True", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", complete ? $"ReplicaSet \"{Meta.Name(deployment)}-{hash}\" has successfully progressed." : $"ReplicaSet \"{Meta.Name(deployment)}-{hash}\" is progressing.", now)),
        };
        if (JsonNode.DeepEquals(previous, status))
        {
            return;
        }

        var copy = JsonTree.Clone(deployment);
        copy["status"] = status;
        client.UpdateStatus("deployments.apps", copy, Manager);
    }

    private static JsonObject Condition(JsonObject? previous, string type, string status, string reason, string message, string now)
    {
        var before = (previous?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => JsonTree.GetString(c["type"]) == type);
        var unchanged = before is not null && JsonTree.GetString(before["status"]) == status && JsonTree.GetString(before["reason"]) == reason;
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = unchanged ? before!["lastUpdateTime"]?.DeepClone() : JsonValue.Create(now),
            ["lastTransitionTime"] = before is not null && JsonTree.GetString(before["status"]) == status ? before["lastTransitionTime"]?.DeepClone() : JsonValue.Create(now),
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    private JsonObject NewPod(JsonObject deployment, string hash)
    {
        var template = JsonTree.At(deployment, "spec", "template") as JsonObject ?? new JsonObject();
        var labels = template["metadata"]?["labels"] is JsonObject templateLabels ? JsonTree.Clone(templateLabels) : new JsonObject();
        labels["pod-template-hash"] = hash;
        var suffix = new string(Enumerable.Range(0, 5).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        var metadata = new JsonObject
        {
            ["name"] = $"{Meta.Name(deployment)}-{hash}-{suffix}",
            ["namespace"] = Meta.Namespace(deployment),
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(StatefulSetSimulation.OwnerReference(deployment, "apps/v1", "Deployment")),
        };
        if (template["metadata"]?["annotations"] is JsonObject annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    private static string? HashOf(JsonObject pod) => Meta.Labels(pod).GetValueOrDefault("pod-template-hash");
}
