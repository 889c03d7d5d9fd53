using System.Globalization;
using System.Text;

namespace RagOperator.Benchmarks.Reporting;

/// <summary>
/// Renders a run as Markdown: the machine, every headline figure in one table (so they read side by side), then
/// each suite's tables. The same text goes to the console and to RESULTS.md.
/// </summary>
public static class MarkdownReport
{
    public static string Render(MachineInfo machine, IReadOnlyList<SuiteResult> suites, string commandLine, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine("# RagOperator benchmark results");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Produced by `{commandLine}` in {elapsed.TotalMinutes:0.0} min. Every figure below comes from this one run.");
        text.AppendLine();
        text.AppendLine("## Machine");
        text.AppendLine();
        AppendTable(text, ["", ""], machine.Rows().Select(r => (IReadOnlyList<string>)[r.Name, r.Value]).ToList());
        text.AppendLine();
        text.AppendLine("## Headline figures");
        text.AppendLine();
        AppendTable(text, ["figure", "value", "measured from"],
            suites.SelectMany(s => s.Headlines).Select(h => (IReadOnlyList<string>)[$"`{h.Key}`", h.Value, h.Detail]).ToList());
        var failed = suites.Where(s => s.Error is not null).ToList();
        if (failed.Count > 0)
        {
            text.AppendLine();
            foreach (var suite in failed) text.AppendLine(CultureInfo.InvariantCulture, $"**{suite.Name} failed:** {suite.Error}");
        }

        foreach (var suite in suites)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"## {suite.Name} ({suite.Elapsed.TotalSeconds:0.0} s)");
            foreach (var section in suite.Sections)
            {
                text.AppendLine();
                text.AppendLine(CultureInfo.InvariantCulture, $"### {section.Title}");
                text.AppendLine();
                if (section.Description.Length > 0)
                {
                    text.AppendLine(section.Description);
                    text.AppendLine();
                }

                AppendTable(text, section.Columns, section.Rows);
                if (section.Notes.Count > 0)
                {
                    text.AppendLine();
                    foreach (var note in section.Notes) text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
                }
            }
        }

        return text.ToString();
    }

    private static void AppendTable(StringBuilder text, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        text.Append('|').AppendJoin('|', columns.Select(c => $" {Escape(c)} ")).AppendLine("|");
        text.Append('|').AppendJoin('|', columns.Select(_ => "---")).AppendLine("|");
        foreach (var row in rows) text.Append('|').AppendJoin('|', row.Select(c => $" {Escape(c)} ")).AppendLine("|");
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
