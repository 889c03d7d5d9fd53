namespace RagOperator.Demo.Output;

/// <summary>
/// How the demo shows what it does: <see cref="LiveView"/> (Spectre.Console progress bars) on a terminal,
/// <see cref="PlainView"/> (one timestamped line per event) when output is redirected or <c>--no-progress</c> is given.
/// The runner drives; a view only renders.
/// </summary>
public interface IDemoView
{
    /// <summary>A major step ("Applying config/samples/...").</summary>
    void Step(string message);

    /// <summary>A detail under the current step.</summary>
    void Info(string message);

    /// <summary>Lines printed as they are (the summary); no decoration, so the last lines are exactly these.</summary>
    void Lines(IEnumerable<string> lines);

    /// <summary>Shows a count towards <paramref name="total"/> while <paramref name="run"/> works and reports progress.</summary>
    Task ShowProgressAsync(string title, long total, Func<Action<long>, Task> run);

    /// <summary>Shows the migration live while <paramref name="run"/> polls it and reports snapshots.</summary>
    Task<T> ShowMigrationAsync<T>(Func<Action<MigrationSnapshot>, Task<T>> run);
}
