using System.Text.Json;

namespace RagOperator.Routing;

/// <summary>
/// The hash strategy: <c>cell = xxHash64(seed 0, UTF-8 bytes of the canonical id) mod slots</c>. The vector plays
/// no part, so every query probes every cell and a point's cell is known from its id alone.
/// </summary>
public sealed class HashCellAssigner : CellAssigner
{
    /// <summary>The upper bound accepted for <c>slots</c>; the same as the CRD's.</summary>
    public const int MaxSlots = 1 << 20;

    public const string StrategyName = "hash";

    private readonly CellSet allCells;

    public HashCellAssigner(int slots)
    {
        if (slots is < 1 or > MaxSlots)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, $"hash.slots must be between 1 and {MaxSlots}");
        }

        Slots = slots;
        allCells = CellSet.FromRange(0, slots - 1);
    }

    public int Slots { get; }

    public override string Strategy => StrategyName;

    public override int CellCount => Slots;

    public override bool CellDependsOnVector => false;

    /// <summary>The cell of a point id.</summary>
    public int CellOf(PointKey id) => CellOf(id.Hash(), Slots);

    /// <summary>The cell function on a precomputed hash; shared with benchmarks and the <c>hash % N</c> baseline.</summary>
    public static int CellOf(ulong hash, int slots) => (int)(hash % (ulong)slots);

    public override int CellOf(PointKey id, ReadOnlySpan<float> vector) => CellOf(id);

    public override CellSet CellsToProbe(ReadOnlySpan<float> query) => allCells;

    public override void WriteParameters(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("slots", Slots);
        writer.WriteEndObject();
    }

    public override bool IsEquivalentTo(CellAssigner other) => other is HashCellAssigner hash && hash.Slots == Slots;
}
