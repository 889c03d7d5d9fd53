using System.Text.Json.Nodes;
using RagOperator.TestSupport.PodSecurity;

namespace RagOperator.Deploy.Tests;

/// <summary>The restricted-profile checker flags every control with the path of the field at fault.</summary>
public sealed class PodSecurityCheckerTests
{
    private const string Compliant = """
        {
          "securityContext": { "runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": { "type": "RuntimeDefault" } },
          "containers": [{
            "name": "app",
            "image": "example/app:1",
            "ports": [{ "containerPort": 8080 }],
            "livenessProbe": { "httpGet": { "path": "/healthz", "port": 8080 } },
            "securityContext": { "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": { "drop": ["ALL"] } }
          }],
          "initContainers": [{
            "name": "init",
            "image": "example/init:1",
            "securityContext": { "allowPrivilegeEscalation": false, "capabilities": { "drop": ["ALL"], "add": ["NET_BIND_SERVICE"] } }
          }],
          "volumes": [
            { "name": "tmp", "emptyDir": {} },
            { "name": "config", "configMap": { "name": "c" } },
            { "name": "data", "persistentVolumeClaim": { "claimName": "d" } },
            { "name": "token", "projected": { "sources": [] } }
          ]
        }
        """;

    [Fact]
    public void A_hardened_pod_spec_passes_both_levels()
    {
        PodSecurityChecker.CheckRestricted(Spec()).Should().BeEmpty();
        PodSecurityChecker.CheckBaseline(Spec()).Should().BeEmpty();
    }

    [Theory]
    [InlineData("hostNetwork", """{"hostNetwork": true}""", "spec.hostNetwork", PodSecurityLevel.Baseline)]
    [InlineData("hostPID", """{"hostPID": true}""", "spec.hostPID", PodSecurityLevel.Baseline)]
    [InlineData("hostIPC", """{"hostIPC": true}""", "spec.hostIPC", PodSecurityLevel.Baseline)]
    [InlineData("hostProcess", """{"securityContext": {"windowsOptions": {"hostProcess": true}}}""", "spec.securityContext.windowsOptions.hostProcess", PodSecurityLevel.Baseline)]
    [InlineData("privileged", """{"containers": [{"securityContext": {"privileged": true}}]}""", "spec.containers[0].securityContext.privileged", PodSecurityLevel.Baseline)]
    [InlineData("baseline capabilities", """{"containers": [{"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}""", "spec.containers[0].securityContext.capabilities.add[0]", PodSecurityLevel.Baseline)]
    [InlineData("hostPath", """{"volumes": [{"name": "root", "hostPath": {"path": "/"}}]}""", "spec.volumes[0].hostPath", PodSecurityLevel.Baseline)]
    [InlineData("hostPort", """{"containers": [{"ports": [{"containerPort": 80, "hostPort": 80}]}]}""", "spec.containers[0].ports[0].hostPort", PodSecurityLevel.Baseline)]
    [InlineData("probe host", """{"containers": [{"livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}]}""", "spec.containers[0].livenessProbe.httpGet.host", PodSecurityLevel.Baseline)]
    [InlineData("hook host", """{"containers": [{"lifecycle": {"preStop": {"tcpSocket": {"host": "node", "port": 22}}}}]}""", "spec.containers[0].lifecycle.preStop.tcpSocket.host", PodSecurityLevel.Baseline)]
    [InlineData("AppArmor field", """{"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}""", "spec.securityContext.appArmorProfile.type", PodSecurityLevel.Baseline)]
    [InlineData("SELinux type", """{"containers": [{"securityContext": {"seLinuxOptions": {"type": "spc_t"}}}]}""", "spec.containers[0].securityContext.seLinuxOptions.type", PodSecurityLevel.Baseline)]
    [InlineData("SELinux user", """{"securityContext": {"seLinuxOptions": {"user": "system_u"}}}""", "spec.securityContext.seLinuxOptions.user", PodSecurityLevel.Baseline)]
    [InlineData("SELinux role", """{"securityContext": {"seLinuxOptions": {"role": "sysadm_r"}}}""", "spec.securityContext.seLinuxOptions.role", PodSecurityLevel.Baseline)]
    [InlineData("procMount", """{"containers": [{"securityContext": {"procMount": "Unmasked"}}]}""", "spec.containers[0].securityContext.procMount", PodSecurityLevel.Baseline)]
    [InlineData("seccomp unconfined", """{"initContainers": [{"securityContext": {"seccompProfile": {"type": "Unconfined"}}}]}""", "spec.initContainers[0].securityContext.seccompProfile.type", PodSecurityLevel.Baseline)]
    [InlineData("sysctl", """{"securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1 2"}, {"name": "kernel.msgmax", "value": "1"}]}}""", "spec.securityContext.sysctls[1].name", PodSecurityLevel.Baseline)]
    [InlineData("volume type", """{"volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}]}""", "spec.volumes[0].nfs", PodSecurityLevel.Restricted)]
    [InlineData("privilege escalation unset", """{"containers": [{"securityContext": {"allowPrivilegeEscalation": null}}]}""", "spec.containers[0].securityContext.allowPrivilegeEscalation", PodSecurityLevel.Restricted)]
    [InlineData("privilege escalation true", """{"initContainers": [{"securityContext": {"allowPrivilegeEscalation": true}}]}""", "spec.initContainers[0].securityContext.allowPrivilegeEscalation", PodSecurityLevel.Restricted)]
    [InlineData("runAsNonRoot false in a container", """{"containers": [{"securityContext": {"runAsNonRoot": false}}]}""", "spec.containers[0].securityContext.runAsNonRoot", PodSecurityLevel.Restricted)]
    [InlineData("runAsNonRoot nowhere", """{"securityContext": {"runAsNonRoot": null}}""", "spec.containers[0].securityContext.runAsNonRoot", PodSecurityLevel.Restricted)]
    [InlineData("runAsUser 0", """{"containers": [{"securityContext": {"runAsUser": 0}}]}""", "spec.containers[0].securityContext.runAsUser", PodSecurityLevel.Restricted)]
    [InlineData("seccomp missing", """{"securityContext": {"seccompProfile": null}}""", "spec.containers[0].securityContext.seccompProfile.type", PodSecurityLevel.Restricted)]
    [InlineData("drop ALL missing", """{"containers": [{"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]}""", "spec.containers[0].securityContext.capabilities.drop", PodSecurityLevel.Restricted)]
    [InlineData("restricted add", """{"initContainers": [{"securityContext": {"capabilities": {"add": ["CHOWN"]}}}]}""", "spec.initContainers[0].securityContext.capabilities.add[0]", PodSecurityLevel.Restricted)]
    public void Each_control_reports_the_offending_field(string control, string patch, string path, PodSecurityLevel level)
    {
        var spec = Spec(patch);

        var violations = PodSecurityChecker.CheckRestricted(spec);

        violations.Should().Contain(v => v.Path == path && v.Level == level, $"{control} must be reported at {path}; got {string.Join("; ", violations)}");
        PodSecurityChecker.CheckBaseline(spec).Any(v => v.Path == path).Should().Be(level == PodSecurityLevel.Baseline, "baseline reports only its own controls");
    }

    [Fact]
    public void Ephemeral_containers_are_checked_too()
    {
        var spec = Spec("""{"ephemeralContainers": [{"name": "debug", "securityContext": {"privileged": true}}]}""");

        PodSecurityChecker.CheckRestricted(spec).Select(v => v.Path).Should()
            .Contain("spec.ephemeralContainers[0].securityContext.privileged")
            .And.Contain("spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation")
            .And.Contain("spec.ephemeralContainers[0].securityContext.capabilities.drop");
    }

    [Fact]
    public void Container_level_seccomp_and_run_as_non_root_satisfy_restricted_without_pod_level_settings()
    {
        var spec = Spec("""{"securityContext": {"runAsNonRoot": null, "seccompProfile": null}}""");
        foreach (var list in (string[])["containers", "initContainers"])
        {
            var securityContext = spec[list]![0]!["securityContext"]!.AsObject();
            securityContext["runAsNonRoot"] = true;
            securityContext["seccompProfile"] = new JsonObject { ["type"] = "Localhost", ["localhostProfile"] = "p.json" };
        }

        PodSecurityChecker.CheckRestricted(spec).Should().BeEmpty();
    }

    [Fact]
    public void AppArmor_and_seccomp_annotations_are_checked_on_the_pod_metadata()
    {
        var metadata = JsonNode.Parse("""
            {"annotations": {
              "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
              "container.apparmor.security.beta.kubernetes.io/init": "localhost/custom",
              "seccomp.security.alpha.kubernetes.io/pod": "unconfined"
            }}
            """)!.AsObject();

        var violations = PodSecurityChecker.CheckRestricted(Spec(), metadata, "spec.template.spec");

        violations.Select(v => v.Path).Should().BeEquivalentTo(
            "metadata.annotations['container.apparmor.security.beta.kubernetes.io/app']",
            "metadata.annotations['seccomp.security.alpha.kubernetes.io/pod']");
    }

    [Fact]
    public void Paths_start_with_the_given_spec_path()
    {
        var violations = PodSecurityChecker.CheckRestricted(Spec("""{"hostNetwork": true}"""), specPath: "spec.template.spec");

        violations.Should().ContainSingle().Which.Path.Should().Be("spec.template.spec.hostNetwork");
    }

    [Fact]
    public void Windows_pods_are_exempt_from_the_linux_only_restricted_controls()
    {
        var spec = Spec("""{"os": {"name": "windows"}, "securityContext": {"seccompProfile": null}, "containers": [{"securityContext": {"allowPrivilegeEscalation": null, "capabilities": null}}]}""");

        PodSecurityChecker.CheckRestricted(spec).Should().BeEmpty();
    }

    [Fact]
    public void Every_safe_sysctl_and_a_zero_host_port_are_allowed()
    {
        var sysctls = new JsonArray(PodSecurityChecker.SafeSysctls.Select(name => (JsonNode)new JsonObject { ["name"] = name, ["value"] = "1" }).ToArray());
        var spec = Spec("""{"containers": [{"ports": [{"containerPort": 8080, "hostPort": 0}]}]}""");
        spec["securityContext"]!["sysctls"] = sysctls;

        PodSecurityChecker.CheckRestricted(spec).Should().BeEmpty();
        PodSecurityChecker.SafeSysctls.Should().HaveCount(12);
    }

    /// <summary>The compliant spec with a JSON merge patch applied; arrays merge element-wise by index here, so a
    /// patch can reach into the first container without restating it.</summary>
    private static JsonObject Spec(string? patch = null)
    {
        var spec = JsonNode.Parse(Compliant)!.AsObject();
        if (patch is not null)
        {
            Merge(spec, JsonNode.Parse(patch)!.AsObject());
        }

        return spec;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else if (value is JsonArray items && target[key] is JsonArray existingItems && items.All(i => i is JsonObject) && existingItems.All(i => i is JsonObject) && key is "containers" or "initContainers")
            {
                for (var i = 0; i < items.Count; i++)
                {
                    if (i < existingItems.Count)
                    {
                        Merge(existingItems[i]!.AsObject(), items[i]!.AsObject());
                    }
                    else
                    {
                        existingItems.Add(items[i]!.DeepClone());
                    }
                }
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
