using System.Text.Json.Nodes;
using RagOperator.Deploy.Tests.Infrastructure;

namespace RagOperator.Deploy.Tests;

public sealed class RbacTests
{
    private static readonly string[] RoleKinds = ["Role", "ClusterRole"];

    [Theory]
    [MemberData(nameof(Rendered.Sources), MemberType = typeof(Rendered))]
    public void No_role_has_a_wildcard_in_verbs_resources_or_api_groups(string source)
    {
        var roles = Roles(source);

        roles.Should().NotBeEmpty();
        foreach (var role in roles)
        {
            foreach (var rule in RbacRules.Rules(role))
            {
                foreach (var field in (string[])["verbs", "resources", "apiGroups", "resourceNames"])
                {
                    RbacRules.Strings(rule[field]).Should().NotContain(value => value.Contains('*'),
                        $"{RenderedManifests.Describe(role)} must not use wildcards ({field} of {rule.ToJsonString()})");
                }

                rule["nonResourceURLs"].Should().BeNull($"{RenderedManifests.Describe(role)} needs no non-resource URLs");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rendered.Sources), MemberType = typeof(Rendered))]
    public void Secrets_are_read_and_written_by_name_and_never_listed_watched_or_deleted(string source)
    {
        var secretVerbs = Roles(source)
            .SelectMany(RbacRules.Permissions)
            .Where(p => p.ApiGroup.Length == 0 && p.Resource == "secrets")
            .Select(p => p.Verb)
            .Distinct()
            .ToList();

        secretVerbs.Should().BeEquivalentTo(["get", "create", "patch"], "the operator reads API keys and keeps its certificate Secrets, which owner references delete");
    }

    [Fact]
    public void Kustomize_grants_exactly_the_charts_cluster_wide_rules()
    {
        var chart = RbacRules.Permissions(Rendered.Get(Rendered.ChartDefaults).Single("ClusterRole", "rag-rag-operator-manager"));
        var kustomize = RbacRules.Permissions(Rendered.Get(Rendered.Kustomize).Single("ClusterRole", "rag-operator-manager"));

        kustomize.Should().BeEquivalentTo(chart);
    }

    [Fact]
    public void Kustomize_and_the_chart_have_the_same_leader_election_and_aggregated_roles()
    {
        var chart = Rendered.Get(Rendered.ChartDefaults);
        var kustomize = Rendered.Get(Rendered.Kustomize);

        RbacRules.Permissions(kustomize.Single("Role", "rag-operator-leader-election"))
            .Should().BeEquivalentTo(RbacRules.Permissions(chart.Single("Role", "rag-rag-operator-leader-election")));
        RbacRules.Permissions(kustomize.Single("ClusterRole", "rag-operator-view"))
            .Should().BeEquivalentTo(RbacRules.Permissions(chart.Single("ClusterRole", "rag-rag-operator-view")));
        RbacRules.Permissions(kustomize.Single("ClusterRole", "rag-operator-edit"))
            .Should().BeEquivalentTo(RbacRules.Permissions(chart.Single("ClusterRole", "rag-rag-operator-edit")));
    }

    [Fact]
    public void Watching_some_namespaces_grants_namespaced_rules_only_there()
    {
        var rendered = Rendered.Get(Rendered.ChartAllOptions);
        var cluster = RbacRules.Permissions(rendered.Single("ClusterRole", "rag-operator-cluster"));
        var namespacedRoles = rendered.OfKind("Role").Where(r => r["metadata"]!["name"]!.GetValue<string>() == "rag-operator-manager").ToList();

        rendered.OfKind("ClusterRole").Select(Name).Should().BeEquivalentTo("rag-operator-cluster", "rag-operator-view", "rag-operator-edit");
        cluster.Select(p => p.Resource).Distinct().Should().BeEquivalentTo("vectornodepools", "vectornodepools/status", "nodes");
        cluster.Where(p => p.Resource == "nodes").Select(p => p.Verb).Should().BeEquivalentTo("get", "list", "watch");
        namespacedRoles.Select(r => r["metadata"]!["namespace"]!.GetValue<string>()).Should().BeEquivalentTo("team-a", "team-b", "team-c");
        var clusterWide = RbacRules.Permissions(Rendered.Get(Rendered.ChartDefaults).Single("ClusterRole", "rag-rag-operator-manager"));
        foreach (var role in namespacedRoles)
        {
            RbacRules.Permissions(role).Should().BeEquivalentTo(clusterWide.Except(cluster), "a watched namespace gets every namespaced permission and nothing cluster-scoped");
        }

        foreach (var binding in rendered.OfKind("RoleBinding").Concat(rendered.OfKind("ClusterRoleBinding")))
        {
            var subject = binding["subjects"]!.AsArray().Single()!;
            subject["name"]!.GetValue<string>().Should().Be("rag-operator-controller");
            subject["namespace"]!.GetValue<string>().Should().Be("rag-system");
        }
    }

    [Fact]
    public void The_cluster_wide_mode_binds_one_cluster_role_to_the_operator()
    {
        var rendered = Rendered.Get(Rendered.ChartDefaults);
        var binding = rendered.Single("ClusterRoleBinding", "rag-rag-operator-manager");

        binding["roleRef"]!["name"]!.GetValue<string>().Should().Be("rag-rag-operator-manager");
        binding["subjects"]![0]!["name"]!.GetValue<string>().Should().Be("rag-rag-operator");
        rendered.OfKind("Role").Select(Name).Should().Equal("rag-rag-operator-leader-election");
    }

    [Theory]
    [MemberData(nameof(Rendered.Sources), MemberType = typeof(Rendered))]
    public void The_operator_holds_every_permission_it_grants_to_routers(string source)
    {
        // RBAC forbids granting what one does not hold: the router Role (get/list/watch on its routing ConfigMap)
        // can only be created if the operator itself may do that in the collection's namespace.
        var managers = Roles(source).Where(r => Name(r).EndsWith("-manager", StringComparison.Ordinal)).ToList();

        managers.Should().NotBeEmpty();
        foreach (var manager in managers)
        {
            var permissions = RbacRules.Permissions(manager);
            foreach (var verb in (string[])["get", "list", "watch"])
            {
                permissions.Should().Contain(new Permission(string.Empty, "configmaps", verb, null));
            }
        }
    }

    [Fact]
    public void The_operator_may_touch_collections_only_for_finalizers_and_status_and_create_them_only_for_a_restore()
    {
        var permissions = RbacRules.Permissions(Rendered.Get(Rendered.ChartDefaults).Single("ClusterRole", "rag-rag-operator-manager"));

        // create: a VectorRestore creates the collection it restores into; nothing deletes a collection.
        permissions.Where(p => p.Resource == "vectorcollections").Select(p => p.Verb)
            .Should().BeEquivalentTo("get", "list", "watch", "patch", "update", "create");
        permissions.Where(p => p.Resource == "vectorcollections/finalizers").Select(p => p.Verb).Should().Equal("update");
        permissions.Should().NotContain(p => p.Resource.StartsWith("vectorcollections", StringComparison.Ordinal) && p.Verb == "delete");
        permissions.Should().NotContain(p => p.Resource.StartsWith("vectorcollections/", StringComparison.Ordinal) && p.Verb == "create");
        permissions.Where(p => p.Resource == "vectorrestores").Select(p => p.Verb).Should().BeEquivalentTo("get", "list", "watch");
        permissions.Where(p => p.Resource == "vectorsnapshots").Select(p => p.Verb)
            .Should().BeEquivalentTo("get", "list", "watch", "create", "patch", "delete");
        permissions.Should().NotContain(p => p.Resource == "customresourcedefinitions");
    }

    [Fact]
    public void The_leader_election_role_touches_only_the_operators_lease()
    {
        var role = Rendered.Get(Rendered.ChartDefaults).Single("Role", "rag-rag-operator-leader-election");
        var leases = RbacRules.Permissions(role).Where(p => p.Resource == "leases").ToList();

        leases.Where(p => p.Verb != "create").Should().OnlyContain(p => p.ResourceName == "rag-operator-leader");
        leases.Select(p => p.Verb).Should().BeEquivalentTo("create", "get", "watch", "update", "patch");
        role["metadata"]!["namespace"]!.GetValue<string>().Should().Be("rag-system");
    }

    [Fact]
    public void Aggregated_roles_extend_the_built_in_view_edit_and_admin_roles()
    {
        var rendered = Rendered.Get(Rendered.ChartDefaults);
        var view = rendered.Single("ClusterRole", "rag-rag-operator-view");
        var edit = rendered.Single("ClusterRole", "rag-rag-operator-edit");

        Labels(view).Should().Contain("rbac.authorization.k8s.io/aggregate-to-view").And.Contain("rbac.authorization.k8s.io/aggregate-to-edit").And.Contain("rbac.authorization.k8s.io/aggregate-to-admin");
        Labels(edit).Should().Contain("rbac.authorization.k8s.io/aggregate-to-edit").And.Contain("rbac.authorization.k8s.io/aggregate-to-admin").And.NotContain("rbac.authorization.k8s.io/aggregate-to-view");
        RbacRules.Permissions(view).Select(p => p.Verb).Distinct().Should().BeEquivalentTo("get", "list", "watch");
        // Namespace users manage collections, snapshots and restores; node pools and status stay with others.
        RbacRules.Permissions(edit).Select(p => p.Resource).Distinct().Should().BeEquivalentTo("vectorcollections", "vectorsnapshots", "vectorrestores");
    }

    private static List<JsonObject> Roles(string source) =>
        Rendered.Get(source).Objects.Where(o => RoleKinds.Contains(o["kind"]!.GetValue<string>())).ToList();

    private static string Name(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();

    private static IEnumerable<string> Labels(JsonObject o) =>
        o["metadata"]!["labels"]!.AsObject().Where(l => l.Value!.GetValue<string>() == "true").Select(l => l.Key);
}
