using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>rbac.authorization.k8s.io/v1 Role.</summary>
public sealed class Role : IKubernetesObject
{
    public string ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string Kind { get; set; } = "Role";
    public ObjectMeta Metadata { get; set; } = new();
    public IList<PolicyRule>? Rules { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>rbac.authorization.k8s.io/v1 ClusterRole.</summary>
public sealed class ClusterRole : IKubernetesObject
{
    public string ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string Kind { get; set; } = "ClusterRole";
    public ObjectMeta Metadata { get; set; } = new();
    public IList<PolicyRule>? Rules { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PolicyRule
{
    public IList<string>? ApiGroups { get; set; }
    public IList<string>? Resources { get; set; }
    public IList<string> Verbs { get; set; } = [];
    public IList<string>? ResourceNames { get; set; }

    [JsonPropertyName("nonResourceURLs")]
    public IList<string>? NonResourceUrls { get; set; }
}

/// <summary>rbac.authorization.k8s.io/v1 RoleBinding.</summary>
public sealed class RoleBinding : IKubernetesObject
{
    public string ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string Kind { get; set; } = "RoleBinding";
    public ObjectMeta Metadata { get; set; } = new();
    public IList<Subject>? Subjects { get; set; }
    public RoleRef RoleRef { get; set; } = new();

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>rbac.authorization.k8s.io/v1 ClusterRoleBinding.</summary>
public sealed class ClusterRoleBinding : IKubernetesObject
{
    public string ApiVersion { get; set; } = "rbac.authorization.k8s.io/v1";
    public string Kind { get; set; } = "ClusterRoleBinding";
    public ObjectMeta Metadata { get; set; } = new();
    public IList<Subject>? Subjects { get; set; }
    public RoleRef RoleRef { get; set; } = new();

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Subject
{
    /// <summary>User, Group or ServiceAccount.</summary>
    public string Kind { get; set; } = "ServiceAccount";
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
    public string? ApiGroup { get; set; }
}

public sealed class RoleRef
{
    public string ApiGroup { get; set; } = "rbac.authorization.k8s.io";
    public string Kind { get; set; } = "Role";
    public string Name { get; set; } = "";
}
