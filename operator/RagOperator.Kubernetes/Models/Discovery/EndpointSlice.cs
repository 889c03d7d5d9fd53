using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>
/// discovery.k8s.io/v1 EndpointSlice: the ready addresses behind a Service (label
/// <c>kubernetes.io/service-name</c>). It has no spec; endpoints and ports are top-level.
/// </summary>
public sealed class EndpointSlice : IKubernetesObject
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public string ApiVersion { get; set; } = "discovery.k8s.io/v1";
    public string Kind { get; set; } = "EndpointSlice";
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>IPv4, IPv6 or FQDN.</summary>
    public string AddressType { get; set; } = "IPv4";
    public IList<Endpoint> Endpoints { get; set; } = [];
    public IList<EndpointPort>? Ports { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Endpoint
{
    public IList<string> Addresses { get; set; } = [];
    public EndpointConditions? Conditions { get; set; }
    public string? Hostname { get; set; }
    public string? NodeName { get; set; }
    public string? Zone { get; set; }
    public ObjectReference? TargetRef { get; set; }
}

public sealed class EndpointConditions
{
    public bool? Ready { get; set; }
    public bool? Serving { get; set; }
    public bool? Terminating { get; set; }
}

public sealed class EndpointPort
{
    public string? Name { get; set; }
    public int? Port { get; set; }
    public string? Protocol { get; set; }
    public string? AppProtocol { get; set; }
}
