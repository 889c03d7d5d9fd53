using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Plays the scheduler and the kubelet for every pod: binds it to a Node (when Nodes exist: one matching its
/// nodeSelector and tolerating NoSchedule/NoExecute taints; otherwise it stays Pending and Unschedulable; when
/// the cluster has no Node objects at all pods run unbound), sets it Running with the simulator's pod IP, and
/// Ready after the ready delay unless a test made it unready or failing. Node affinity, resources and topology
/// spread are not considered when scheduling.
/// </summary>
internal sealed class SimulatedKubelet(SimulatorClient client, WorkloadSimulatorOptions options, TimeProvider time)
{
    private const string Manager = "kubelet";
    private readonly ConcurrentDictionary<string, PodHealth> health = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> readyAt = new(StringComparer.Ordinal);

    public void SetHealth(string ns, string name, PodHealth value) => health[$"{ns}/{name}"] = value;

    /// <summary>Health of the pod while (and only while) its first container runs <paramref name="image"/>: a bad release.</summary>
    public void SetHealth(string ns, string name, string image, PodHealth value) => health[$"{ns}/{name}|{image}"] = value;

    /// <summary>Runs one pass; returns the earliest time a pod becomes due for Ready, if any.</summary>
    public DateTimeOffset? Reconcile()
    {
        var now = time.GetUtcNow();
        var pods = client.List("pods");
        var nodes = client.List("nodes");
        DateTimeOffset? nextDue = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (Meta.IsTerminating(pod) || Meta.Uid(pod) is not { } uid)
            {
                continue;
            }

            seen.Add(uid);
            if (!readyAt.TryGetValue(uid, out var due))
            {
                due = now + options.ReadyDelay;
                readyAt[uid] = due;
            }

            var node = JsonTree.GetString(JsonTree.At(pod, "spec", "nodeName"));
            if (node is null && nodes.Count > 0)
            {
                var chosen = Schedule(pod, nodes);
                if (chosen is null)
                {
                    WriteStatus(pod, Unschedulable(pod, nodes.Count, now));
                    continue;
                }

                var bound = JsonTree.Clone(pod);
                JsonTree.Child(bound, "spec")["nodeName"] = chosen;
                client.Update("pods", bound, "default-scheduler");
                continue;
            }

            var image = JsonTree.GetString((JsonTree.At(pod, "spec", "containers") as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["image"]);
            var podHealth = health.TryGetValue($"{Meta.Namespace(pod)}/{Meta.Name(pod)}|{image}", out var forImage)
                ? forImage
                : health.GetValueOrDefault($"{Meta.Namespace(pod)}/{Meta.Name(pod)}", PodHealth.Healthy);
            var ready = podHealth == PodHealth.Healthy && now >= due;
            if (podHealth == PodHealth.Healthy && !ready)
            {
                nextDue = nextDue is null || due < nextDue ? due : nextDue;
            }

            WriteStatus(pod, Running(pod, node, nodes, podHealth, ready, now));
        }

        foreach (var stale in readyAt.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            readyAt.Remove(stale);
        }

        return nextDue;
    }

    public static bool IsReady(JsonObject pod) =>
        !Meta.IsTerminating(pod)
        && JsonTree.At(pod, "status", "conditions") is JsonArray conditions
        && conditions.OfType<JsonObject>().Any(c => JsonTree.GetString(c["type"]) == "Ready" && JsonTree.GetString(c["status"]) == "True");

    private void WriteStatus(JsonObject pod, JsonObject status)
    {
        if (JsonNode.DeepEquals(pod["status"], status))
        {
            return;
        }

        var updated = JsonTree.Clone(pod);
        updated["status"] = status;
        client.UpdateStatus("pods", updated, Manager);
    }

    private JsonObject Running(JsonObject pod, string? node, IReadOnlyList<JsonObject> nodes, PodHealth podHealth, bool ready, DateTimeOffset now)
    {
        var previous = pod["status"] as JsonObject;
        var readyText = ready ? "True" : "False";
        var status = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                Condition(previous, "PodReadyToStartContainers", "True", now),
                Condition(previous, "Initialized", "True", now),
                Condition(previous, "Ready", readyText, now, ready ? null : "ContainersNotReady"),
                Condition(previous, "ContainersReady", readyText, now, ready ? null : "ContainersNotReady"),
                Condition(previous, "PodScheduled", "True", now)),
            ["hostIP"] = HostIp(node, nodes),
            ["podIP"] = options.PodIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = options.PodIp }),
            ["startTime"] = previous?["startTime"]?.DeepClone() ?? JsonValue.Create(Meta.Timestamp(now)),
            ["containerStatuses"] = new JsonArray(ContainerStatuses(pod, previous, podHealth, ready, now).ToArray()),
            ["qosClass"] = "BestEffort",
        };
        return status;
    }

    private static IEnumerable<JsonNode?> ContainerStatuses(JsonObject pod, JsonObject? previous, PodHealth podHealth, bool ready, DateTimeOffset now)
    {
        if (JsonTree.At(pod, "spec", "containers") is not JsonArray containers)
        {
            yield break;
        }

        foreach (var container in containers.OfType<JsonObject>())
        {
            var name = JsonTree.GetString(container["name"]) ?? "";
            var before = (previous?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(s => JsonTree.GetString(s["name"]) == name);
            var restarts = JsonTree.GetLong(before?["restartCount"]) ?? 0;
            JsonObject state;
            JsonNode? lastState = before?["lastState"]?.DeepClone() ?? new JsonObject();
            if (podHealth == PodHealth.Failing)
            {
                if (JsonTree.At(before, "state", "waiting") is null)
                {
                    restarts++;
                    lastState = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error", ["finishedAt"] = Meta.Timestamp(now) } };
                }

                state = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off restarting failed container {name}" } };
            }
            else
            {
                var startedAt = JsonTree.At(before, "state", "running", "startedAt")?.DeepClone() ?? JsonValue.Create(Meta.Timestamp(now));
                state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = startedAt } };
            }

            yield return new JsonObject
            {
                ["name"] = name,
                ["image"] = container["image"]?.DeepClone(),
                ["imageID"] = "",
                ["containerID"] = $"inprocess://{Meta.Uid(pod)}/{name}",
                ["ready"] = ready,
                ["started"] = podHealth != PodHealth.Failing,
                ["restartCount"] = restarts,
                ["state"] = state,
                ["lastState"] = lastState,
            };
        }
    }

    private static JsonObject Unschedulable(JsonObject pod, int nodeCount, DateTimeOffset now) => new()
    {
        ["phase"] = "Pending",
        ["conditions"] = new JsonArray(Condition(
            pod["status"] as JsonObject,
            "PodScheduled",
            "False",
            now,
            "Unschedulable",
            $"0/{nodeCount} nodes are available: {nodeCount} node(s) didn't match Pod's node affinity/selector or had untolerated taints.")),
        ["qosClass"] = "BestEffort",
    };

    private static JsonObject Condition(JsonObject? previousStatus, string type, string status, DateTimeOffset now, string? reason = null, string? message = null)
    {
        var before = (previousStatus?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => JsonTree.GetString(c["type"]) == type);
        var since = before is not null && JsonTree.GetString(before["status"]) == status ? before["lastTransitionTime"]?.DeepClone() : null;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = since ?? JsonValue.Create(Meta.Timestamp(now)),
        };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        return condition;
    }

    private static string? Schedule(JsonObject pod, IReadOnlyList<JsonObject> nodes)
    {
        var selector = JsonTree.At(pod, "spec", "nodeSelector") as JsonObject;
        var tolerations = (JsonTree.At(pod, "spec", "tolerations") as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var candidates = nodes
            .Where(n => JsonTree.GetBool(JsonTree.At(n, "spec", "unschedulable")) != true)
            .Where(n => selector is null || selector.All(p => Meta.Labels(n).TryGetValue(p.Key, out var v) && v == JsonTree.GetString(p.Value)))
            .Where(n => Tolerates(n, tolerations))
            .Select(n => Meta.Name(n)!)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        // Spread deterministically: the pod's name picks the node.
        var index = (int)((uint)StableHash(Meta.Name(pod) ?? "") % (uint)candidates.Count);
        return candidates[index];
    }

    private static bool Tolerates(JsonObject node, List<JsonObject> tolerations)
    {
        if (JsonTree.At(node, "spec", "taints") is not JsonArray taints)
        {
            return true;
        }

        foreach (var taint in taints.OfType<JsonObject>())
        {
            var effect = JsonTree.GetString(taint["effect"]);
            if (effect is not ("NoSchedule" or "NoExecute"))
            {
                continue;
            }

            var key = JsonTree.GetString(taint["key"]);
            var value = JsonTree.GetString(taint["value"]) ?? "";
            var tolerated = tolerations.Any(t =>
            {
                var op = JsonTree.GetString(t["operator"]) ?? "Equal";
                var tKey = JsonTree.GetString(t["key"]);
                var tEffect = JsonTree.GetString(t["effect"]);
                var keyMatches = tKey is null or "" ? op == "Exists" : tKey == key;
                var valueMatches = op == "Exists" || (JsonTree.GetString(t["value"]) ?? "") == value;
                var effectMatches = tEffect is null or "" || tEffect == effect;
                return keyMatches && valueMatches && effectMatches;
            });
            if (!tolerated)
            {
                return false;
            }
        }

        return true;
    }

    private string HostIp(string? node, IReadOnlyList<JsonObject> nodes)
    {
        var nodeObject = nodes.FirstOrDefault(n => Meta.Name(n) == node);
        var address = (JsonTree.At(nodeObject, "status", "addresses") as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(a => JsonTree.GetString(a["type"]) == "InternalIP");
        return JsonTree.GetString(address?["address"]) ?? options.PodIp;
    }

    private static int StableHash(string text)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }
}
