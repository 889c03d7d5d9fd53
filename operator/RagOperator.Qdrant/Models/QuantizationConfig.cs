namespace RagOperator.Qdrant.Models;

public sealed record ScalarQuantizationConfig
{
    public ScalarType Type { get; init; } = ScalarType.Int8;

    /// <summary>Quantile in [0.5, 1]; unset means the whole value range.</summary>
    public float? Quantile { get; init; }

    public bool? AlwaysRam { get; init; }
}

public sealed record ProductQuantizationConfig(CompressionRatio Compression)
{
    public bool? AlwaysRam { get; init; }
}

public sealed record BinaryQuantizationConfig
{
    public bool? AlwaysRam { get; init; }
}

/// <summary>
/// Qdrant's quantization union: exactly one of scalar, product or binary — or, in an update only, disabled,
/// which switches quantization off. Build it with the factory members.
/// </summary>
public sealed record QuantizationConfig
{
    private QuantizationConfig()
    {
    }

    public ScalarQuantizationConfig? Scalar { get; private init; }
    public ProductQuantizationConfig? Product { get; private init; }
    public BinaryQuantizationConfig? Binary { get; private init; }
    public bool IsDisabled { get; private init; }

    /// <summary>Only valid in <see cref="UpdateCollectionRequest"/>: removes quantization.</summary>
    public static QuantizationConfig Disabled { get; } = new() { IsDisabled = true };

    public static QuantizationConfig ScalarInt8(float? quantile = null, bool? alwaysRam = null) =>
        new() { Scalar = new ScalarQuantizationConfig { Quantile = quantile, AlwaysRam = alwaysRam } };

    public static QuantizationConfig ProductQuantization(CompressionRatio compression, bool? alwaysRam = null) =>
        new() { Product = new ProductQuantizationConfig(compression) { AlwaysRam = alwaysRam } };

    public static QuantizationConfig BinaryQuantization(bool? alwaysRam = null) =>
        new() { Binary = new BinaryQuantizationConfig { AlwaysRam = alwaysRam } };
}
