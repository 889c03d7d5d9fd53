using System.Text.Json;

namespace RagOperator.TestSupport.OpenApi;

/// <summary>
/// Qdrant's OpenAPI 3 document (<c>shared/reference/qdrant-openapi-1.19.0.json</c>), found by walking up from the
/// test binaries to a folder that has it (the repository's parent in CI and on developer machines).
/// </summary>
public sealed class OpenApiSpec
{
    public const string RelativePath = "shared/reference/qdrant-openapi-1.19.0.json";

    private static readonly Lazy<OpenApiSpec> Shared = new(Load);
    private readonly List<(string Template, string[] Segments)> _paths;

    private OpenApiSpec(JsonDocument document, string location)
    {
        Root = document.RootElement;
        Location = location;
        _paths = Root.GetProperty("paths").EnumerateObject()
            .Select(path => (path.Name, path.Name.Split('/', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();
    }

    public JsonElement Root { get; }

    public string Location { get; }

    public static OpenApiSpec Instance => Shared.Value;

    public JsonElement Resolve(string reference)
    {
        const string prefix = "#/components/schemas/";
        if (!reference.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unsupported $ref {reference}");
        }

        return Root.GetProperty("components").GetProperty("schemas").GetProperty(reference[prefix.Length..]);
    }

    public JsonElement Schema(string name) => Resolve("#/components/schemas/" + name);

    /// <summary>The path template (e.g. <c>/collections/{collection_name}/points</c>) serving this method and path.</summary>
    public string? MatchPath(string method, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return _paths
            .Where(candidate => candidate.Segments.Length == segments.Length &&
                                candidate.Segments.Zip(segments).All(pair => pair.First.StartsWith('{') || pair.First == pair.Second) &&
                                Root.GetProperty("paths").GetProperty(candidate.Template).TryGetProperty(method.ToLowerInvariant(), out _))
            .OrderByDescending(candidate => candidate.Segments.Count(segment => !segment.StartsWith('{')))
            .Select(candidate => candidate.Template)
            .FirstOrDefault();
    }

    public JsonElement? RequestSchema(string template, string method)
    {
        var operation = Operation(template, method);
        return operation.TryGetProperty("requestBody", out var body)
            ? body.GetProperty("content").GetProperty("application/json").GetProperty("schema")
            : null;
    }

    /// <summary>The JSON response schema for a status: the exact code, else <c>4XX</c>, else <c>default</c>.</summary>
    public JsonElement? ResponseSchema(string template, string method, int status)
    {
        var responses = Operation(template, method).GetProperty("responses");
        foreach (var key in new[] { status.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{status / 100}XX", "default" })
        {
            if (responses.TryGetProperty(key, out var response) &&
                response.TryGetProperty("content", out var content) &&
                content.TryGetProperty("application/json", out var json))
            {
                return json.GetProperty("schema");
            }
        }

        return null;
    }

    private JsonElement Operation(string template, string method) =>
        Root.GetProperty("paths").GetProperty(template).GetProperty(method.ToLowerInvariant());

    private static OpenApiSpec Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return new OpenApiSpec(JsonDocument.Parse(File.ReadAllBytes(candidate)), candidate);
            }
        }

        throw new FileNotFoundException(
            $"Qdrant's OpenAPI document was not found: no folder above {AppContext.BaseDirectory} contains {RelativePath}. " +
            "The contract tests need the shared/ folder beside the repository root (../shared from the repo).");
    }
}
