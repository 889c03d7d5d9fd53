using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.TestSupport.PodSecurity;

/// <summary>
/// Checks a pod spec (as JSON) against the Kubernetes Pod Security Standards, baseline and restricted, as the
/// PodSecurity admission controller enforces them for the latest policy version. Every control is checked
/// and each failure is reported with the path of the offending field, so a test failure says what to fix.
/// <para>
/// Baseline: HostProcess, host namespaces, privileged, capabilities (known list), hostPath volumes, host ports,
/// host probes and lifecycle hooks, AppArmor (fields and annotations), SELinux, /proc mount, seccomp (not
/// Unconfined, also the legacy annotations) and sysctls (the safe set). Restricted adds: volume types,
/// allowPrivilegeEscalation=false, runAsNonRoot=true, runAsUser≠0, seccomp RuntimeDefault/Localhost (pod or every
/// container) and capabilities (drop ALL, add only NET_BIND_SERVICE). As in the admission controller, pods with
/// <c>spec.os.name: windows</c> are exempt from the restricted privilege-escalation, seccomp and capabilities checks.
/// </para>
/// </summary>
public static class PodSecurityChecker
{
    /// <summary>Capabilities that baseline lets a container add (Docker's default set).</summary>
    public static readonly IReadOnlySet<string> BaselineCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    /// <summary>The sysctls baseline allows: namespaced per pod and isolated from other pods.</summary>
    public static readonly IReadOnlySet<string> SafeSysctls = new HashSet<string>(StringComparer.Ordinal)
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    };

    /// <summary>The volume sources restricted allows: core types and those backed by PersistentVolumes.</summary>
    public static readonly IReadOnlySet<string> RestrictedVolumeTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    };

    private static readonly HashSet<string> SeLinuxTypes = new(StringComparer.Ordinal)
    {
        string.Empty, "container_t", "container_init_t", "container_kvm_t", "container_engine_t",
    };

    private static readonly string[] ContainerLists = ["containers", "initContainers", "ephemeralContainers"];
    private static readonly string[] Probes = ["livenessProbe", "readinessProbe", "startupProbe"];
    private static readonly string[] LifecycleHooks = ["postStart", "preStop"];

    /// <summary>Baseline and restricted violations of one pod spec.</summary>
    /// <param name="podSpec">The PodSpec object (a Pod's <c>spec</c>, a workload's <c>spec.template.spec</c>).</param>
    /// <param name="podMetadata">The pod's metadata, for the AppArmor and seccomp annotations; optional.</param>
    /// <param name="specPath">How paths in violations start, e.g. <c>spec.template.spec</c>.</param>
    public static IReadOnlyList<PodSecurityViolation> CheckRestricted(JsonObject podSpec, JsonObject? podMetadata = null, string specPath = "spec") =>
        Check(podSpec, PodSecurityLevel.Restricted, podMetadata, specPath);

    /// <summary>Baseline violations of one pod spec.</summary>
    public static IReadOnlyList<PodSecurityViolation> CheckBaseline(JsonObject podSpec, JsonObject? podMetadata = null, string specPath = "spec") =>
        Check(podSpec, PodSecurityLevel.Baseline, podMetadata, specPath);

    /// <summary>Violations of <paramref name="level"/> (restricted includes baseline).</summary>
    public static IReadOnlyList<PodSecurityViolation> Check(JsonObject podSpec, PodSecurityLevel level, JsonObject? podMetadata = null, string specPath = "spec")
    {
        var context = new CheckContext(podSpec, podMetadata, specPath);
        CheckHostProcess(context);
        CheckHostNamespaces(context);
        CheckPrivileged(context);
        CheckBaselineCapabilities(context);
        CheckHostPathVolumes(context);
        CheckHostPorts(context);
        CheckHostProbesAndLifecycle(context);
        CheckAppArmor(context);
        CheckSeLinux(context);
        CheckProcMount(context);
        CheckBaselineSeccomp(context);
        CheckSysctls(context);
        if (level == PodSecurityLevel.Restricted)
        {
            CheckVolumeTypes(context);
            CheckRunAsNonRoot(context);
            CheckRunAsUser(context);
            if (!context.IsWindows)
            {
                CheckPrivilegeEscalation(context);
                CheckRestrictedSeccomp(context);
                CheckRestrictedCapabilities(context);
            }
        }

        return context.Violations;
    }

    private static void CheckHostProcess(CheckContext c)
    {
        FalseOrUnset(c, PodSecurityLevel.Baseline, "hostProcess", c.PodSecurityContext, c.Path("securityContext"), "windowsOptions", "hostProcess");
        foreach (var container in c.Containers)
        {
            FalseOrUnset(c, PodSecurityLevel.Baseline, "hostProcess", container.SecurityContext, container.Path("securityContext"), "windowsOptions", "hostProcess");
        }
    }

    private static void CheckHostNamespaces(CheckContext c)
    {
        foreach (var field in (string[])["hostNetwork", "hostPID", "hostIPC"])
        {
            FalseOrUnset(c, PodSecurityLevel.Baseline, "hostNamespaces", c.Spec, c.SpecPath, field);
        }
    }

    private static void CheckPrivileged(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            FalseOrUnset(c, PodSecurityLevel.Baseline, "privileged", container.SecurityContext, container.Path("securityContext"), "privileged");
        }
    }

    private static void CheckBaselineCapabilities(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            var path = container.Path("securityContext.capabilities.add");
            foreach (var (capability, index) in Strings(Node(container.SecurityContext, "capabilities", "add")))
            {
                if (!BaselineCapabilities.Contains(capability))
                {
                    c.Add(PodSecurityLevel.Baseline, "capabilities", $"{path}[{index}]", $"container {container.Name} must not add capability {capability}");
                }
            }
        }
    }

    private static void CheckHostPathVolumes(CheckContext c)
    {
        foreach (var (volume, index) in Objects(c.Spec["volumes"]))
        {
            if (volume["hostPath"] is not null)
            {
                c.Add(PodSecurityLevel.Baseline, "hostPathVolumes", $"{c.SpecPath}.volumes[{index}].hostPath", $"volume {Name(volume)} must not be a hostPath");
            }
        }
    }

    private static void CheckHostPorts(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            foreach (var (port, index) in Objects(container.Node["ports"]))
            {
                var hostPort = port["hostPort"];
                if (hostPort is not null && Integer(hostPort) != 0)
                {
                    c.Add(PodSecurityLevel.Baseline, "hostPorts", container.Path($"ports[{index}].hostPort"), $"container {container.Name} must not use hostPort {hostPort.ToJsonString()}");
                }
            }
        }
    }

    private static void CheckHostProbesAndLifecycle(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            foreach (var probe in Probes)
            {
                HandlerHost(c, container, container.Node[probe] as JsonObject, probe);
            }

            foreach (var hook in LifecycleHooks)
            {
                HandlerHost(c, container, Node(container.Node, "lifecycle", hook) as JsonObject, $"lifecycle.{hook}");
            }
        }

        static void HandlerHost(CheckContext c, ContainerRef container, JsonObject? handler, string handlerPath)
        {
            foreach (var kind in (string[])["httpGet", "tcpSocket"])
            {
                var host = Node(handler, kind, "host");
                if (host is not null && Text(host) is not "")
                {
                    c.Add(PodSecurityLevel.Baseline, "hostProbesAndHostLifecycle", container.Path($"{handlerPath}.{kind}.host"),
                        $"container {container.Name} must not direct a probe or hook at host {host.ToJsonString()}");
                }
            }
        }
    }

    private static void CheckAppArmor(CheckContext c)
    {
        AllowedType(c.PodSecurityContext, c.Path("securityContext.appArmorProfile.type"), "pod");
        foreach (var container in c.Containers)
        {
            AllowedType(container.SecurityContext, container.Path("securityContext.appArmorProfile.type"), $"container {container.Name}");
        }

        foreach (var (key, value) in Annotations(c.Metadata))
        {
            if (key.StartsWith("container.apparmor.security.beta.kubernetes.io/", StringComparison.Ordinal)
                && value is not ("" or "runtime/default") && !value.StartsWith("localhost/", StringComparison.Ordinal))
            {
                c.Add(PodSecurityLevel.Baseline, "appArmorProfile", $"metadata.annotations['{key}']", $"AppArmor annotation must not be {value}");
            }
        }

        void AllowedType(JsonObject? securityContext, string path, string who)
        {
            var type = Node(securityContext, "appArmorProfile", "type");
            if (type is not null && Text(type) is not ("RuntimeDefault" or "Localhost"))
            {
                c.Add(PodSecurityLevel.Baseline, "appArmorProfile", path, $"{who} must not set AppArmor profile type {type.ToJsonString()}");
            }
        }
    }

    private static void CheckSeLinux(CheckContext c)
    {
        Options(c.PodSecurityContext, c.Path("securityContext.seLinuxOptions"), "pod");
        foreach (var container in c.Containers)
        {
            Options(container.SecurityContext, container.Path("securityContext.seLinuxOptions"), $"container {container.Name}");
        }

        void Options(JsonObject? securityContext, string path, string who)
        {
            if (securityContext?["seLinuxOptions"] is not JsonObject options)
            {
                return;
            }

            if (options["type"] is { } type && (Text(type) is not { } text || !SeLinuxTypes.Contains(text)))
            {
                c.Add(PodSecurityLevel.Baseline, "seLinuxOptions", $"{path}.type", $"{who} must not set SELinux type {type.ToJsonString()}");
            }

            foreach (var field in (string[])["user", "role"])
            {
                if (options[field] is { } value && Text(value) is not "")
                {
                    c.Add(PodSecurityLevel.Baseline, "seLinuxOptions", $"{path}.{field}", $"{who} must not set a custom SELinux {field}");
                }
            }
        }
    }

    private static void CheckProcMount(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            var procMount = Node(container.SecurityContext, "procMount");
            if (procMount is not null && Text(procMount) != "Default")
            {
                c.Add(PodSecurityLevel.Baseline, "procMount", container.Path("securityContext.procMount"), $"container {container.Name} must not set procMount {procMount.ToJsonString()}");
            }
        }
    }

    private static void CheckBaselineSeccomp(CheckContext c)
    {
        NotUnconfined(c.PodSecurityContext, c.Path("securityContext.seccompProfile.type"), "pod");
        foreach (var container in c.Containers)
        {
            NotUnconfined(container.SecurityContext, container.Path("securityContext.seccompProfile.type"), $"container {container.Name}");
        }

        foreach (var (key, value) in Annotations(c.Metadata))
        {
            var legacy = key == "seccomp.security.alpha.kubernetes.io/pod"
                || key.StartsWith("container.seccomp.security.alpha.kubernetes.io/", StringComparison.Ordinal);
            if (legacy && value == "unconfined")
            {
                c.Add(PodSecurityLevel.Baseline, "seccompProfile", $"metadata.annotations['{key}']", "seccomp must not be unconfined");
            }
        }

        void NotUnconfined(JsonObject? securityContext, string path, string who)
        {
            if (Node(securityContext, "seccompProfile", "type") is { } type && Text(type) == "Unconfined")
            {
                c.Add(PodSecurityLevel.Baseline, "seccompProfile", path, $"{who} must not set seccompProfile.type Unconfined");
            }
        }
    }

    private static void CheckSysctls(CheckContext c)
    {
        foreach (var (sysctl, index) in Objects(c.PodSecurityContext?["sysctls"]))
        {
            var name = Text(sysctl["name"]) ?? string.Empty;
            if (!SafeSysctls.Contains(name))
            {
                c.Add(PodSecurityLevel.Baseline, "sysctls", c.Path($"securityContext.sysctls[{index}].name"), $"sysctl {name} is not in the safe set");
            }
        }
    }

    private static void CheckVolumeTypes(CheckContext c)
    {
        foreach (var (volume, index) in Objects(c.Spec["volumes"]))
        {
            foreach (var (source, _) in volume)
            {
                if (source != "name" && !RestrictedVolumeTypes.Contains(source))
                {
                    c.Add(PodSecurityLevel.Restricted, "restrictedVolumes", $"{c.SpecPath}.volumes[{index}].{source}", $"volume {Name(volume)} must not use volume type {source}");
                }
            }
        }
    }

    private static void CheckPrivilegeEscalation(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            if (!IsFalse(Node(container.SecurityContext, "allowPrivilegeEscalation")))
            {
                c.Add(PodSecurityLevel.Restricted, "allowPrivilegeEscalation", container.Path("securityContext.allowPrivilegeEscalation"),
                    $"container {container.Name} must set allowPrivilegeEscalation=false");
            }
        }
    }

    private static void CheckRunAsNonRoot(CheckContext c)
    {
        var podLevel = Node(c.PodSecurityContext, "runAsNonRoot");
        if (podLevel is not null && !IsTrue(podLevel))
        {
            c.Add(PodSecurityLevel.Restricted, "runAsNonRoot", c.Path("securityContext.runAsNonRoot"), "pod must not set runAsNonRoot=false");
        }

        foreach (var container in c.Containers)
        {
            var own = Node(container.SecurityContext, "runAsNonRoot");
            if (own is not null && !IsTrue(own))
            {
                c.Add(PodSecurityLevel.Restricted, "runAsNonRoot", container.Path("securityContext.runAsNonRoot"), $"container {container.Name} must not set runAsNonRoot=false");
            }
            else if (own is null && !IsTrue(podLevel))
            {
                c.Add(PodSecurityLevel.Restricted, "runAsNonRoot", container.Path("securityContext.runAsNonRoot"),
                    $"pod or container {container.Name} must set securityContext.runAsNonRoot=true");
            }
        }
    }

    private static void CheckRunAsUser(CheckContext c)
    {
        NotRoot(c.PodSecurityContext, c.Path("securityContext.runAsUser"), "pod");
        foreach (var container in c.Containers)
        {
            NotRoot(container.SecurityContext, container.Path("securityContext.runAsUser"), $"container {container.Name}");
        }

        void NotRoot(JsonObject? securityContext, string path, string who)
        {
            if (Node(securityContext, "runAsUser") is { } uid && Integer(uid) == 0)
            {
                c.Add(PodSecurityLevel.Restricted, "runAsUser", path, $"{who} must not set runAsUser=0");
            }
        }
    }

    private static void CheckRestrictedSeccomp(CheckContext c)
    {
        var podType = Node(c.PodSecurityContext, "seccompProfile", "type");
        var podAllowed = IsAllowedSeccomp(podType);
        if (podType is not null && !podAllowed)
        {
            c.Add(PodSecurityLevel.Restricted, "seccompProfile", c.Path("securityContext.seccompProfile.type"),
                $"pod must set seccompProfile.type to RuntimeDefault or Localhost, not {podType.ToJsonString()}");
        }

        foreach (var container in c.Containers)
        {
            var type = Node(container.SecurityContext, "seccompProfile", "type");
            if (type is not null && !IsAllowedSeccomp(type))
            {
                c.Add(PodSecurityLevel.Restricted, "seccompProfile", container.Path("securityContext.seccompProfile.type"),
                    $"container {container.Name} must set seccompProfile.type to RuntimeDefault or Localhost, not {type.ToJsonString()}");
            }
            else if (type is null && !podAllowed)
            {
                c.Add(PodSecurityLevel.Restricted, "seccompProfile", container.Path("securityContext.seccompProfile.type"),
                    $"pod or container {container.Name} must set seccompProfile.type to RuntimeDefault or Localhost");
            }
        }

        static bool IsAllowedSeccomp(JsonNode? type) => Text(type) is "RuntimeDefault" or "Localhost";
    }

    private static void CheckRestrictedCapabilities(CheckContext c)
    {
        foreach (var container in c.Containers)
        {
            var capabilities = Node(container.SecurityContext, "capabilities") as JsonObject;
            if (!Strings(capabilities?["drop"]).Any(entry => entry.Value == "ALL"))
            {
                c.Add(PodSecurityLevel.Restricted, "capabilities", container.Path("securityContext.capabilities.drop"), $"container {container.Name} must drop ALL capabilities");
            }

            foreach (var (capability, index) in Strings(capabilities?["add"]))
            {
                if (capability != "NET_BIND_SERVICE")
                {
                    c.Add(PodSecurityLevel.Restricted, "capabilities", container.Path($"securityContext.capabilities.add[{index}]"),
                        $"container {container.Name} may add only NET_BIND_SERVICE, not {capability}");
                }
            }
        }
    }

    private static void FalseOrUnset(CheckContext c, PodSecurityLevel level, string control, JsonObject? owner, string ownerPath, params string[] path)
    {
        var node = Node(owner, path);
        if (node is not null && !IsFalse(node))
        {
            c.Add(level, control, $"{ownerPath}.{string.Join('.', path)}", $"must be false or unset, not {node.ToJsonString()}");
        }
    }

    private static JsonNode? Node(JsonNode? node, params string[] path)
    {
        foreach (var segment in path)
        {
            node = (node as JsonObject)?[segment];
        }

        return node;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    // Numbers may be backed by a JsonElement or by any CLR numeric type, so they are read through their JSON text.
    private static long? Integer(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && long.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    private static bool IsTrue(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    private static bool IsFalse(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.False;

    private static string Name(JsonObject item) => Text(item["name"]) ?? "(unnamed)";

    private static IEnumerable<(JsonObject Item, int Index)> Objects(JsonNode? list) =>
        (list as JsonArray)?.Select((item, index) => (item as JsonObject, index)).Where(p => p.Item1 is not null).Select(p => (p.Item1!, p.index)) ?? [];

    private static IEnumerable<(string Value, int Index)> Strings(JsonNode? list) =>
        (list as JsonArray)?.Select((item, index) => (Text(item) ?? item?.ToJsonString() ?? "null", index)) ?? [];

    private static IEnumerable<(string Key, string Value)> Annotations(JsonObject? metadata) =>
        (metadata?["annotations"] as JsonObject)?.Select(pair => (pair.Key, Text(pair.Value) ?? string.Empty)) ?? [];

    private sealed class CheckContext(JsonObject spec, JsonObject? metadata, string specPath)
    {
        public JsonObject Spec { get; } = spec;

        public JsonObject? Metadata { get; } = metadata;

        public string SpecPath { get; } = specPath;

        public JsonObject? PodSecurityContext { get; } = spec["securityContext"] as JsonObject;

        public bool IsWindows { get; } = Text(Node(spec, "os", "name")) == "windows";

        public List<PodSecurityViolation> Violations { get; } = [];

        public IReadOnlyList<ContainerRef> Containers { get; } = ContainerLists
            .SelectMany(list => Objects(spec[list]).Select(entry => new ContainerRef(entry.Item, $"{specPath}.{list}[{entry.Index}]")))
            .ToList();

        public string Path(string relative) => $"{SpecPath}.{relative}";

        public void Add(PodSecurityLevel level, string control, string path, string message) =>
            Violations.Add(new PodSecurityViolation(level, control, path, message));
    }

    private sealed class ContainerRef(JsonObject node, string path)
    {
        public JsonObject Node { get; } = node;

        public string Name { get; } = Text(node["name"]) ?? "(unnamed)";

        public JsonObject? SecurityContext { get; } = node["securityContext"] as JsonObject;

        public string Path(string relative) => $"{path}.{relative}";
    }
}
