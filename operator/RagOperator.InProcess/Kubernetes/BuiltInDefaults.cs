using System.Text;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The defaults the real API server fills into built-in kinds that an operator is likely to compare against
/// (so "desired vs live" code meets the same drift here as on a real cluster):
/// pod specs (in pods and workload templates): restartPolicy Always, dnsPolicy ClusterFirst, schedulerName,
/// terminationGracePeriodSeconds 30, securityContext {}, and per container terminationMessagePath/Policy,
/// imagePullPolicy (Always for :latest or untagged images, else IfNotPresent) and port protocol TCP;
/// Service type, sessionAffinity, clusterIP(s) (allocated from 10.96.0.0/16), ipFamilies, ipFamilyPolicy,
/// internalTrafficPolicy, port protocol and targetPort; StatefulSet and Deployment replicas, strategies and
/// history limits; Secret type Opaque and stringData folded into base64 data; PVC volumeMode; Namespace
/// spec.finalizers and phase Active; Pod phase Pending. Other built-in fields are stored as sent.
/// </summary>
internal static class BuiltInDefaults
{
    public static void Apply(ResourceDefinition resource, JsonObject obj, bool creating, Func<string> allocateClusterIp)
    {
        switch (resource.GroupResource)
        {
            case "pods":
                DefaultPodSpec(JsonTree.Child(obj, "spec"));
                if (creating)
                {
                    JsonTree.Child(obj, "status")["phase"] ??= "Pending";
                }

                break;
            case "services":
                DefaultService(JsonTree.Child(obj, "spec"), allocateClusterIp);
                break;
            case "statefulsets.apps":
                DefaultStatefulSet(JsonTree.Child(obj, "spec"));
                break;
            case "deployments.apps":
                DefaultDeployment(JsonTree.Child(obj, "spec"));
                break;
            case "replicasets.apps" or "daemonsets.apps":
                DefaultTemplate(obj);
                break;
            case "jobs.batch":
                if (JsonTree.At(obj, "spec", "template", "spec") is JsonObject jobPod)
                {
                    DefaultPodSpec(jobPod);
                }

                break;
            case "secrets":
                DefaultSecret(obj);
                break;
            case "persistentvolumeclaims":
                JsonTree.Child(obj, "spec")["volumeMode"] ??= "Filesystem";
                if (creating)
                {
                    JsonTree.Child(obj, "status")["phase"] ??= "Pending";
                }

                break;
            case "namespaces":
                JsonTree.Child(obj, "spec")["finalizers"] ??= new JsonArray("kubernetes");
                JsonTree.Child(obj, "status")["phase"] ??= "Active";
                break;
        }
    }

    private static void DefaultStatefulSet(JsonObject spec)
    {
        spec["replicas"] ??= 1;
        spec["podManagementPolicy"] ??= "OrderedReady";
        var strategy = JsonTree.Child(spec, "updateStrategy");
        strategy["type"] ??= "RollingUpdate";
        if (JsonTree.GetString(strategy["type"]) == "RollingUpdate")
        {
            JsonTree.Child(strategy, "rollingUpdate")["partition"] ??= 0;
        }

        spec["revisionHistoryLimit"] ??= 10;
        var retention = JsonTree.Child(spec, "persistentVolumeClaimRetentionPolicy");
        retention["whenDeleted"] ??= "Retain";
        retention["whenScaled"] ??= "Retain";
        if (spec["volumeClaimTemplates"] is JsonArray templates)
        {
            foreach (var template in templates.OfType<JsonObject>())
            {
                template["apiVersion"] ??= "v1";
                template["kind"] ??= "PersistentVolumeClaim";
                JsonTree.Child(template, "spec")["volumeMode"] ??= "Filesystem";
            }
        }

        DefaultTemplateSpec(spec);
    }

    private static void DefaultDeployment(JsonObject spec)
    {
        spec["replicas"] ??= 1;
        var strategy = JsonTree.Child(spec, "strategy");
        strategy["type"] ??= "RollingUpdate";
        if (JsonTree.GetString(strategy["type"]) == "RollingUpdate")
        {
            var rolling = JsonTree.Child(strategy, "rollingUpdate");
            rolling["maxUnavailable"] ??= "25%";
            rolling["maxSurge"] ??= "25%";
        }

        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        DefaultTemplateSpec(spec);
    }

    private static void DefaultTemplate(JsonObject obj)
    {
        if (obj["spec"] is JsonObject spec)
        {
            DefaultTemplateSpec(spec);
        }
    }

    private static void DefaultTemplateSpec(JsonObject spec)
    {
        if (JsonTree.At(spec, "template", "spec") is JsonObject podSpec)
        {
            DefaultPodSpec(podSpec);
        }
    }

    private static void DefaultPodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["securityContext"] ??= new JsonObject();
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (spec[list] is not JsonArray containers)
            {
                continue;
            }

            foreach (var container in containers.OfType<JsonObject>())
            {
                container["terminationMessagePath"] ??= "/dev/termination-log";
                container["terminationMessagePolicy"] ??= "File";
                container["imagePullPolicy"] ??= PullPolicyFor(JsonTree.GetString(container["image"]) ?? "");
                if (container["ports"] is JsonArray ports)
                {
                    foreach (var port in ports.OfType<JsonObject>())
                    {
                        port["protocol"] ??= "TCP";
                    }
                }
            }
        }
    }

    private static string PullPolicyFor(string image)
    {
        var lastSlash = image.LastIndexOf('/');
        var nameAndTag = lastSlash < 0 ? image : image[(lastSlash + 1)..];
        if (nameAndTag.Contains('@', StringComparison.Ordinal))
        {
            return "IfNotPresent";
        }

        var colon = nameAndTag.LastIndexOf(':');
        return colon < 0 || nameAndTag[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    private static void DefaultService(JsonObject spec, Func<string> allocateClusterIp)
    {
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        var type = JsonTree.GetString(spec["type"]);
        if (type != "ExternalName")
        {
            if (JsonTree.GetString(spec["clusterIP"]) is null or "")
            {
                spec["clusterIP"] = allocateClusterIp();
            }

            spec["clusterIPs"] ??= new JsonArray(JsonValue.Create(JsonTree.GetString(spec["clusterIP"])));
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
            spec["internalTrafficPolicy"] ??= "Cluster";
        }

        if (spec["ports"] is JsonArray ports)
        {
            foreach (var port in ports.OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]?.DeepClone();
            }
        }
    }

    private static void DefaultSecret(JsonObject obj)
    {
        obj["type"] ??= "Opaque";
        if (obj["stringData"] is JsonObject stringData)
        {
            var data = JsonTree.Child(obj, "data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonTree.GetString(value) ?? ""));
            }

            obj.Remove("stringData");
        }
    }
}
