using System.Runtime.InteropServices;
using System.Text.Json;

namespace RagOperator.Routing;

/// <summary>
/// The semantic strategy: cells are k-means centroids; a point's cell is its nearest centroid under the collection's
/// distance (see <see cref="VectorMath.Nearest"/>); a query probes its <see cref="Nprobe"/> nearest cells. The table's
/// parameter object is
/// <code>"semantic": { "generation": 1, "cells": 64, "nprobe": 2, "centroids": "&lt;base64&gt;" }</code>
/// where <c>centroids</c> is the cells × dimension float32 values, row by row, little-endian, base64: exact, and about
/// a third of the size of decimal text, which matters because a routing table lives in a ConfigMap (at most 1 MiB).
/// <para><b>Cell keys.</b> Each training is a <see cref="Generation"/> (1, 2, ...). The router stamps
/// <c>_rag_cell = generation × 2^20 + cell</c> (<see cref="CellAssigner.Key"/>), so the cells of two trainings never
/// match the same payload filter: during a re-partition both numberings live side by side on the shards. Hash cells are
/// generation 0, so their key is the cell itself.</para>
/// </summary>
public sealed class SemanticCellAssigner : CellAssigner
{
    public const string StrategyName = "semantic";

    /// <summary>Keys are below 2^31 (they fit Qdrant's integer index and are exact in its float ranges).</summary>
    public const int MaxGeneration = 2047;

    /// <summary>Upper bound on cells; far above any useful number, and cells must stay below 2^20 for the keys.</summary>
    public const int MaxCells = 65536;

    private readonly float[] centroids;
    private readonly CellSet allCells;

    /// <param name="centroids">cells × dimension values, row by row; for Cosine they are normalised here.</param>
    public SemanticCellAssigner(int generation, int dimension, Distance distance, float[] centroids, int nprobe)
    {
        if (generation is < 1 or > MaxGeneration)
        {
            throw new ArgumentOutOfRangeException(nameof(generation), generation, $"semantic.generation must be between 1 and {MaxGeneration}");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!Enum.IsDefined(distance)) throw new ArgumentOutOfRangeException(nameof(distance), distance, "unknown distance");
        if (centroids.Length == 0 || centroids.Length % dimension != 0)
        {
            throw new ArgumentException($"semantic.centroids holds {centroids.Length} values, which is not a positive multiple of the dimension {dimension}", nameof(centroids));
        }

        var cells = centroids.Length / dimension;
        if (cells > MaxCells) throw new ArgumentException($"semantic.cells {cells} is above the limit of {MaxCells}", nameof(centroids));
        for (var i = 0; i < centroids.Length; i++)
        {
            if (!float.IsFinite(centroids[i]))
            {
                throw new ArgumentException($"semantic.centroids: cell {i / dimension} component {i % dimension} is not a finite number", nameof(centroids));
            }
        }

        if (nprobe < 1) throw new ArgumentOutOfRangeException(nameof(nprobe), nprobe, "semantic.nprobe must be at least 1");
        this.centroids = (float[])centroids.Clone();
        if (distance == Distance.Cosine)
        {
            // Only rows not unit length already: normalising is not idempotent in float, and a table read back from its
            // own JSON must keep exactly the same centroids (routers compare documents).
            for (var c = 0; c < cells; c++)
            {
                var row = this.centroids.AsSpan(c * dimension, dimension);
                if (MathF.Abs(VectorMath.Dot(row, row) - 1) > 1e-5f) VectorMath.Normalize(row);
            }
        }

        Generation = generation;
        Dimension = dimension;
        Distance = distance;
        Nprobe = nprobe;
        CellCountValue = cells;
        allCells = CellSet.FromRange(0, cells - 1);
    }

    public int Generation { get; }

    public int Dimension { get; }

    public Distance Distance { get; }

    /// <summary>Cells a query probes by default; a request may ask for more or fewer (<see cref="CellsToProbe(ReadOnlySpan{float}, int?)"/>).</summary>
    public int Nprobe { get; }

    public override string Strategy => StrategyName;

    public override int CellCount => CellCountValue;

    public override bool CellDependsOnVector => true;

    public override long KeyOffset => (long)Generation << KeyBits;

    /// <summary>The centroids, row by row (unit length for Cosine).</summary>
    public ReadOnlySpan<float> Centroids => centroids;

    private int CellCountValue { get; }

    public ReadOnlySpan<float> Centroid(int cell) => centroids.AsSpan(cell * Dimension, Dimension);

    public override int CellOf(PointKey id, ReadOnlySpan<float> vector) => CellOf(vector);

    /// <summary>The nearest centroid of a vector.</summary>
    public int CellOf(ReadOnlySpan<float> vector)
    {
        CheckDimension(vector);
        return VectorMath.Nearest(Distance, vector, centroids, CellCount);
    }

    public override CellSet CellsToProbe(ReadOnlySpan<float> query) => CellsToProbe(query, null);

    /// <summary>The <paramref name="nprobe"/> (default <see cref="Nprobe"/>) nearest cells; all cells when it is at least the cell count.</summary>
    public override CellSet CellsToProbe(ReadOnlySpan<float> query, int? nprobe)
    {
        var n = nprobe ?? Nprobe;
        if (n >= CellCount) return allCells;
        CheckDimension(query);
        return n == 1
            ? CellSet.FromRange(CellOf(query), CellOf(query))
            : CellSet.FromCells(VectorMath.NearestN(Distance, query, centroids, CellCount, n));
    }

    public override void WriteParameters(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("generation", Generation);
        writer.WriteNumber("cells", CellCount);
        writer.WriteNumber("nprobe", Nprobe);
        writer.WriteString("centroids", EncodeCentroids(centroids));
        writer.WriteEndObject();
    }

    public override bool IsEquivalentTo(CellAssigner other) =>
        other is SemanticCellAssigner semantic && semantic.Generation == Generation && semantic.Dimension == Dimension
        && semantic.Distance == Distance && semantic.centroids.AsSpan().SequenceEqual(centroids);

    /// <summary>The same centroids with another default nprobe (a spec change that needs no re-partition).</summary>
    public SemanticCellAssigner WithNprobe(int nprobe) => new(Generation, Dimension, Distance, centroids, nprobe);

    /// <summary>float32 little-endian, base64.</summary>
    public static string EncodeCentroids(ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("centroid encoding assumes a little-endian machine");
        return Convert.ToBase64String(MemoryMarshal.AsBytes(values));
    }

    /// <summary>The inverse of <see cref="EncodeCentroids"/>; null with an error when the text is not base64 of whole floats.</summary>
    public static float[]? DecodeCentroids(string text, out string? error)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("centroid encoding assumes a little-endian machine");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            error = "is not base64";
            return null;
        }

        if (bytes.Length % sizeof(float) != 0)
        {
            error = $"decodes to {bytes.Length} bytes, not a whole number of float32 values";
            return null;
        }

        error = null;
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private void CheckDimension(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"the semantic strategy needs the vector to find a cell: expected {Dimension} components, got {vector.Length}", nameof(vector));
        }
    }
}
