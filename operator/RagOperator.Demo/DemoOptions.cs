using RagOperator.Workload;

namespace RagOperator.Demo;

/// <summary>The knobs of one demo run; null members take the sample manifest's value.</summary>
public sealed record DemoOptions
{
    public const string DefaultSample = "config/samples/ragoperator_v1alpha1_vectorcollection.yaml";

    /// <summary>Points written through the routers before the scale (the mixed workload adds more during it).</summary>
    public int Points { get; init; } = 50_000;

    /// <summary>Overrides spec.dimension of the sample (384).</summary>
    public int? Dimension { get; init; }

    /// <summary>Overrides spec.shards of the sample (2).</summary>
    public int? FromShards { get; init; }

    public int ToShards { get; init; } = 4;

    public int Seed { get; init; } = 42;

    public int Writers { get; init; } = 4;

    public int Searchers { get; init; } = 2;

    /// <summary>
    /// The routers' API the workload speaks: Qdrant's gRPC API through the official client, as a RAG application would,
    /// or the router's own JSON API.
    /// </summary>
    public RouterApi Api { get; init; } = RouterApi.QdrantGrpc;

    /// <summary>Overrides spec.router.replicas of the sample (2).</summary>
    public int? Routers { get; init; }

    /// <summary>Plain log lines instead of live progress bars (also chosen when output is not a terminal).</summary>
    public bool NoProgress { get; init; }

    /// <summary>The VectorCollection manifest to apply; the copy shipped next to the binary when null.</summary>
    public string? SamplePath { get; init; }

    /// <summary>Upper bound on each wait: Ready, loading, the migration reaching Done.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Pause of each searcher between two searches: searchers search continuously but do not take every core from the
    /// writers and the migration on a small machine.
    /// </summary>
    public TimeSpan SearchPause { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Points per upsert request while loading.</summary>
    public int LoadBatch { get; init; } = 256;

    /// <summary>Checks the options; returns the first problem or null.</summary>
    public string? Problem()
    {
        if (Points < 1) return "--points must be at least 1";
        if (Dimension is < 1 or > 65_536) return "--dimension must be between 1 and 65536";
        if (FromShards is < 1) return "--from-shards must be at least 1";
        if (ToShards < 1) return "--to-shards must be at least 1";
        if (FromShards is { } from && from == ToShards) return $"--from-shards and --to-shards are both {ToShards}: nothing to migrate";
        if (Writers < 1) return "--writers must be at least 1";
        if (Searchers < 0) return "--searchers must not be negative";
        if (Routers is < 1) return "--routers must be at least 1";
        if (LoadBatch is < 1 or > 1000) return "the load batch must be between 1 and 1000";
        return null;
    }
}
