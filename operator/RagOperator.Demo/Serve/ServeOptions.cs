namespace RagOperator.Demo.Serve;

/// <summary>The knobs of <c>rag-demo serve</c>.</summary>
public sealed record ServeOptions
{
    /// <summary>Where the endpoints JSON is written once a router serves the collection; null prints it only.</summary>
    public string? EndpointsFile { get; init; }

    /// <summary>After Ready, change spec.shards to this count, so a live migration runs while clients are connected.</summary>
    public int? ShardsTo { get; init; }

    /// <summary>The VectorCollection manifest to apply; the copy shipped next to the binary when null.</summary>
    public string? SamplePath { get; init; }

    /// <summary>Apply the sample with spec.tls.mode Disabled: clear text, for clients that cannot be given a CA.</summary>
    public bool NoTls { get; init; }

    /// <summary>Upper bound on each wait: Ready, the routers, the migration reaching Done.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the served router is checked, so a replaced router pod's new address reaches the file.</summary>
    public TimeSpan RouterCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks the options on their own; returns the first problem or null.</summary>
    public string? Problem()
    {
        if (ShardsTo is < 1 or > 1024) return "--shards-to must be between 1 and 1024 (spec.shards)";
        if (EndpointsFile is { } file && (file.Length == 0 || file.EndsWith('/') || Directory.Exists(file)))
        {
            return $"--endpoints-file '{file}' must name a file, not a directory";
        }

        return null;
    }
}
