namespace RagOperator.InProcess.Kubernetes;

/// <summary>A parsed resource request path: /api/v1/... or /apis/{group}/{version}/..., with the deprecated /watch/ prefix.</summary>
/// <param name="Group">API group, "" for core.</param>
/// <param name="Version">API version.</param>
/// <param name="Namespace">Namespace from /namespaces/{ns}/, or null.</param>
/// <param name="Resource">Plural resource name.</param>
/// <param name="Name">Object name, or null for a collection.</param>
/// <param name="Subresource">"status" (or another subresource), or null.</param>
/// <param name="WatchPrefix">The path used the deprecated /watch/ segment.</param>
internal sealed record ApiPath(string Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource, bool WatchPrefix)
{
    /// <summary>Parses a resource path; null when the path is not one (discovery and other endpoints are handled elsewhere).</summary>
    public static ApiPath? Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        string group;
        string version;
        int rest;
        if (segments.Count >= 3 && segments[0] == "api")
        {
            group = "";
            version = segments[1];
            rest = 2;
        }
        else if (segments.Count >= 4 && segments[0] == "apis")
        {
            group = segments[1];
            version = segments[2];
            rest = 3;
        }
        else
        {
            return null;
        }

        var tail = segments.Skip(rest).ToList();
        var watch = false;
        if (tail.Count > 0 && tail[0] == "watch")
        {
            watch = true;
            tail.RemoveAt(0);
        }

        string? ns = null;
        // /namespaces/{ns}/{resource}/... addresses namespaced content; /namespaces/{name}[/status|/finalize] the namespace itself.
        if (tail.Count >= 3 && tail[0] == "namespaces" && tail[2] is not ("status" or "finalize"))
        {
            ns = tail[1];
            tail.RemoveRange(0, 2);
        }

        return tail.Count switch
        {
            1 => new ApiPath(group, version, ns, tail[0], null, null, watch),
            2 => new ApiPath(group, version, ns, tail[0], tail[1], null, watch),
            3 => new ApiPath(group, version, ns, tail[0], tail[1], tail[2], watch),
            _ => null,
        };
    }
}
