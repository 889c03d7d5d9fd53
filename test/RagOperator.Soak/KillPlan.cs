using RagOperator.Api.V1Alpha1;

namespace RagOperator.Soak;

/// <summary>
/// When one operator kill lands: at a migration phase (or after a delay from the previous restart), then a little
/// later still, and how long the operator stays down before it starts again.
/// </summary>
/// <param name="AtPhase">Kill once the migration reached this phase (at most 8 s of waiting); null: after <paramref name="Delay"/>.</param>
/// <param name="Delay">Without a phase: how long after the previous restart (or the shard change) the kill lands.</param>
/// <param name="Extra">Waited after the phase or delay, so that a kill lands inside a phase as often as at its start.</param>
/// <param name="Down">How long the operator stays down.</param>
public sealed record KillPlan(MigrationPhase? AtPhase, TimeSpan Delay, TimeSpan Extra, TimeSpan Down)
{
    /// <summary>Every phase a running migration records, each a place a kill may land.</summary>
    public static IReadOnlyList<MigrationPhase> Phases { get; } =
    [
        MigrationPhase.Planned, MigrationPhase.ScalingOut, MigrationPhase.Copying, MigrationPhase.Verifying,
        MigrationPhase.CuttingOver, MigrationPhase.Finalizing, MigrationPhase.CleaningUp,
    ];

    /// <summary>True for a kill that lands while the restarted operator is still resuming (its first reconciles).</summary>
    public bool WhileResuming => AtPhase is null && Delay < TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// A random kill: half of them at a phase drawn from <see cref="Phases"/>, the others after a delay; with
    /// <paramref name="whileResumingChance"/>, a delay short enough to land while the previous restart is resuming.
    /// </summary>
    public static KillPlan Draw(Random random, double whileResumingChance)
    {
        var resuming = random.NextDouble() < whileResumingChance;
        var byPhase = !resuming && random.Next(2) == 0;
        var phase = Phases[random.Next(Phases.Count)];
        var delay = TimeSpan.FromMilliseconds(resuming ? random.Next(0, 300) : random.Next(300, 1200));
        return new KillPlan(
            byPhase ? phase : null,
            delay,
            TimeSpan.FromMilliseconds(resuming ? 0 : random.Next(0, 400)),
            TimeSpan.FromMilliseconds(random.Next(0, 250)));
    }

    public override string ToString() =>
        (AtPhase is { } phase ? $"at phase {phase}" : WhileResuming ? $"while resuming, {Delay.TotalMilliseconds:0} ms after the restart" : $"after {Delay.TotalMilliseconds:0} ms")
        + (Extra > TimeSpan.Zero ? $" +{Extra.TotalMilliseconds:0} ms" : "") + $", down {Down.TotalMilliseconds:0} ms";
}
