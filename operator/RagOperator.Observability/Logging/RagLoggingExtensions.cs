using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace RagOperator.Observability.Logging;

/// <summary>Console logging for the operator and router: one JSON object per line, or one text line per entry.</summary>
public static class RagLoggingExtensions
{
    /// <summary>The log formats <see cref="AddRagLogging"/> accepts.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["json", "text"];

    /// <summary>
    /// Replaces the logging providers with the built-in console logger. Scopes are always included: the
    /// controller opens a scope with <c>collection</c> and <c>reconcileId</c> (see <see cref="RagLogScope"/>) and every
    /// line written inside it carries both, so one reconcile can be followed through the logs of a busy operator.
    /// Timestamps are UTC, ISO 8601.
    /// </summary>
    public static ILoggingBuilder AddRagLogging(this ILoggingBuilder builder, string format = "json")
    {
        builder.ClearProviders();
        switch (format.ToLowerInvariant())
        {
            case "json":
                builder.AddJsonConsole(options =>
                {
                    options.IncludeScopes = true;
                    options.UseUtcTimestamp = true;
                    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    options.JsonWriterOptions = new() { Indented = false };
                });
                break;
            case "text":
                builder.AddSimpleConsole(options =>
                {
                    options.IncludeScopes = true;
                    options.SingleLine = true;
                    options.UseUtcTimestamp = true;
                    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    options.ColorBehavior = LoggerColorBehavior.Disabled;
                });
                break;
            default:
                throw new ArgumentException($"Unknown log format '{format}'; expected one of: {string.Join(", ", Formats)}.", nameof(format));
        }

        return builder;
    }
}
