using Spectre.Console;

namespace RagOperator.Demo.Output;

/// <summary>
/// Spectre.Console on a terminal: progress bars for loading and for the migration (points copied of the estimate, the
/// phase, the routing version published and how many routers acknowledged it, and the live workload counters).
/// </summary>
public sealed class LiveView(IAnsiConsole console) : IDemoView
{
    public void Step(string message) => console.MarkupLine($"[bold deepskyblue1]==>[/] {Markup.Escape(message)}");

    public void Info(string message) => console.MarkupLine($"    [grey]{Markup.Escape(message)}[/]");

    public void Lines(IEnumerable<string> lines)
    {
        // Straight to the terminal's writer: Spectre would wrap long lines and the last lines must be exactly these.
        var writer = console.Profile.Out.Writer;
        foreach (var line in lines) writer.WriteLine(line);
        writer.Flush();
    }

    public Task ShowProgressAsync(string title, long total, Func<Action<long>, Task> run) =>
        Progress().StartAsync(async context =>
        {
            var task = context.AddTask(Markup.Escape(title), maxValue: Math.Max(1, total));
            await run(done => task.Value = done);
            task.Value = task.MaxValue;
        });

    public Task<T> ShowMigrationAsync<T>(Func<Action<MigrationSnapshot>, Task<T>> run) =>
        Progress().StartAsync(async context =>
        {
            var copy = context.AddTask("[bold]Pending[/]", maxValue: 1);
            var routing = context.AddTask("routing", maxValue: 1);
            var workload = context.AddTask("workload", maxValue: 1);
            workload.IsIndeterminate = true;
            var result = await run(snapshot =>
            {
                copy.Description = $"[bold yellow]{Markup.Escape(snapshot.Phase),-11}[/] {Markup.Escape(snapshot.CopyText)}";
                copy.MaxValue = Math.Max(1, Math.Max(snapshot.PointsEstimated, snapshot.PointsCopied));
                copy.Value = snapshot.PointsCopied;
                routing.Description = Markup.Escape(snapshot.RoutingText);
                routing.MaxValue = Math.Max(1, snapshot.RouterVersions.Count);
                routing.Value = snapshot.RoutersAcknowledged;
                workload.Description = Markup.Escape(snapshot.WorkloadText);
                workload.Value = workload.MaxValue * 0.5;
            });
            copy.Value = copy.MaxValue;
            workload.IsIndeterminate = false;
            workload.Value = workload.MaxValue;
            return result;
        });

    private Progress Progress() => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn(),
            new PercentageColumn(),
            new ElapsedTimeColumn(),
            new SpinnerColumn());
}
