using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Plays the EndpointSlice controller: one IPv4 slice <c>&lt;service&gt;-&lt;hash&gt;</c> per Service with a selector,
/// labelled kubernetes.io/service-name and owned by the Service, listing every selected pod that has an IP,
/// with ready/serving from the pod's Ready condition (all ready with publishNotReadyAddresses), hostname when the
/// pod's subdomain is the Service, and the ports with named targetPorts resolved against the pods' container
/// ports. The real controller splits large slices at 100 endpoints; this one never splits. No legacy Endpoints.
/// </summary>
internal sealed class EndpointSliceSimulation(SimulatorClient client)
{
    private const string Manager = "endpointslice-controller";

    public void Reconcile()
    {
        var pods = client.List("pods");
        var slices = client.List("endpointslices.discovery.k8s.io");
        foreach (var service in client.List("services"))
        {
            if (Meta.IsTerminating(service) || JsonTree.At(service, "spec", "selector") is not JsonObject { Count: > 0 } selectorMap
                || JsonTree.GetString(JsonTree.At(service, "spec", "type")) == "ExternalName")
            {
                continue;
            }

            var ns = Meta.Namespace(service)!;
            var selector = LabelSelector.FromMap(selectorMap);
            var selected = pods
                .Where(p => Meta.Namespace(p) == ns && !Meta.IsTerminating(p) && selector.Matches(p) && JsonTree.GetString(JsonTree.At(p, "status", "podIP")) is not null)
                .OrderBy(p => Meta.Name(p), StringComparer.Ordinal)
                .ToList();
            var desired = Slice(service, selected);
            var existing = slices.FirstOrDefault(s => Meta.Namespace(s) == ns && Meta.Name(s) == Meta.Name(desired));
            if (existing is null)
            {
                client.Create("endpointslices.discovery.k8s.io", desired, Manager);
            }
            else if (!JsonNode.DeepEquals(existing["endpoints"], desired["endpoints"])
                     || !JsonNode.DeepEquals(existing["ports"], desired["ports"])
                     || !JsonNode.DeepEquals(JsonTree.At(existing, "metadata", "labels"), JsonTree.At(desired, "metadata", "labels")))
            {
                var updated = JsonTree.Clone(existing);
                updated["endpoints"] = desired["endpoints"]!.DeepClone();
                updated["ports"] = desired["ports"]!.DeepClone();
                Meta.Of(updated)["labels"] = JsonTree.At(desired, "metadata", "labels")!.DeepClone();
                client.Update("endpointslices.discovery.k8s.io", updated, Manager);
            }
        }
    }

    private static JsonObject Slice(JsonObject service, List<JsonObject> pods)
    {
        var name = Meta.Name(service)!;
        var publishNotReady = JsonTree.GetBool(JsonTree.At(service, "spec", "publishNotReadyAddresses")) == true;
        var endpoints = new JsonArray();
        foreach (var pod in pods)
        {
            var ready = publishNotReady || SimulatedKubelet.IsReady(pod);
            var endpoint = new JsonObject
            {
                ["addresses"] = new JsonArray(JsonValue.Create(JsonTree.GetString(JsonTree.At(pod, "status", "podIP")))),
                ["conditions"] = new JsonObject { ["ready"] = ready, ["serving"] = ready, ["terminating"] = false },
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = Meta.Namespace(pod), ["name"] = Meta.Name(pod), ["uid"] = Meta.Uid(pod) },
            };
            if (JsonTree.GetString(JsonTree.At(pod, "spec", "subdomain")) == name && JsonTree.GetString(JsonTree.At(pod, "spec", "hostname")) is { } hostname)
            {
                endpoint["hostname"] = hostname;
            }

            if (JsonTree.GetString(JsonTree.At(pod, "spec", "nodeName")) is { } node)
            {
                endpoint["nodeName"] = node;
            }

            endpoints.Add(endpoint);
        }

        var ports = new JsonArray();
        foreach (var port in (JsonTree.At(service, "spec", "ports") as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var target = port["targetPort"] ?? port["port"];
            long? number = JsonTree.GetLong(target);
            if (number is null && JsonTree.GetString(target) is { } portName)
            {
                number = pods.SelectMany(ContainerPorts).FirstOrDefault(p => JsonTree.GetString(p["name"]) == portName) is { } named
                    ? JsonTree.GetLong(named["containerPort"])
                    : null;
            }

            if (number is null)
            {
                continue;
            }

            ports.Add(new JsonObject
            {
                ["name"] = JsonTree.GetString(port["name"]) ?? "",
                ["port"] = number,
                ["protocol"] = JsonTree.GetString(port["protocol"]) ?? "TCP",
            });
        }

        return new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{name}-{TemplateHash.Of(JsonValue.Create(Meta.Uid(service)))[..5]}",
                ["namespace"] = Meta.Namespace(service),
                ["labels"] = new JsonObject
                {
                    ["kubernetes.io/service-name"] = name,
                    ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                },
                ["ownerReferences"] = new JsonArray(StatefulSetSimulation.OwnerReference(service, "v1", "Service")),
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = endpoints,
            ["ports"] = ports,
        };
    }

    private static IEnumerable<JsonObject> ContainerPorts(JsonObject pod) =>
        (JsonTree.At(pod, "spec", "containers") as JsonArray)?.OfType<JsonObject>()
            .SelectMany(c => (c["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
        ?? [];
}
