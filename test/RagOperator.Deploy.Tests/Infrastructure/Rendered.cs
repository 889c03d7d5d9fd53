using System.Text.Json.Nodes;
using RagOperator.TestSupport.Manifests;

namespace RagOperator.Deploy.Tests.Infrastructure;

/// <summary>One set of rendered manifests and where it came from.</summary>
internal sealed record RenderedManifests(string Source, IReadOnlyList<JsonObject> Objects)
{
    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => o["kind"]?.GetValue<string>() == kind);

    public JsonObject Single(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => o["metadata"]?["name"]?.GetValue<string>() == name)
        ?? throw new KeyNotFoundException($"{Source} has no {kind} {name}; it has {string.Join(", ", Objects.Select(Describe))}.");

    public static string Describe(JsonObject o) =>
        $"{o["kind"]} {o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}";

    public override string ToString() => Source;
}

/// <summary>
/// The chart rendered with its default values and with <c>ci/all-options-values.yaml</c>, and
/// <c>kubectl kustomize config/default</c>; each rendered once per test run and shared.
/// </summary>
internal static class Rendered
{
    public const string ChartDefaults = "helm template (default values)";
    public const string ChartAllOptions = "helm template (ci/all-options-values.yaml)";
    public const string Kustomize = "kubectl kustomize config/default";

    private static readonly Lazy<RenderedManifests> Defaults = new(() => Helm(ChartDefaults));
    private static readonly Lazy<RenderedManifests> AllOptions = new(() => Helm(ChartAllOptions, "-f", AllOptionsValues));
    private static readonly Lazy<RenderedManifests> Kustomized = new(() =>
        new RenderedManifests(Kustomize, YamlDocuments.Load(Tool.Kubectl("kustomize", "config/default").EnsureSuccess().StandardOutput)));

    public static string AllOptionsValues => Path.Combine("charts", "rag-operator", "ci", "all-options-values.yaml");

    /// <summary>Names for <c>[MemberData]</c> theories over every rendering.</summary>
    public static TheoryData<string> Sources => [ChartDefaults, ChartAllOptions, Kustomize];

    public static RenderedManifests Get(string source) => source switch
    {
        ChartDefaults => Defaults.Value,
        ChartAllOptions => AllOptions.Value,
        Kustomize => Kustomized.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "unknown rendering"),
    };

    /// <summary>Renders the chart as release <c>rag</c> in namespace <c>rag-system</c> with extra helm arguments.</summary>
    public static RenderedManifests Helm(string source, params string[] arguments)
    {
        var result = Tool.Helm(["template", "rag", "charts/rag-operator", "--namespace", "rag-system", .. arguments]).EnsureSuccess();
        return new RenderedManifests(source, YamlDocuments.Load(result.StandardOutput));
    }
}
