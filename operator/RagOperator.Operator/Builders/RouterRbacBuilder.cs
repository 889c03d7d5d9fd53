using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The routers' own identity: a ServiceAccount whose Role may only get, list and watch its collection's routing
/// ConfigMap. <c>resourceNames</c> applies to list and watch only with a <c>metadata.name</c> field selector, which
/// is how the router watches.
/// </summary>
public static class RouterRbacBuilder
{
    public static ServiceAccount ServiceAccount(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
        // Mounted per pod by the Deployment instead, so no other pod using this account gets a token by accident.
        AutomountServiceAccountToken = false,
    };

    public static Role Role(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
        Rules =
        [
            new PolicyRule
            {
                ApiGroups = [""],
                Resources = ["configmaps"],
                ResourceNames = [ChildNames.RoutingConfigMap(input.Name)],
                Verbs = ["get", "list", "watch"],
            },
        ],
    };

    public static RoleBinding RoleBinding(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
        RoleRef = new RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = ChildNames.Router(input.Name) },
        Subjects = [new Subject { Kind = "ServiceAccount", Name = ChildNames.Router(input.Name), Namespace = input.Namespace }],
    };
}
