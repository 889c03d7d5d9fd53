using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using RagOperator.Observability.Logging;

namespace RagOperator.Observability.Tests;

/// <summary>
/// A logger provider that renders entries with exactly the console formatter (and its options) that
/// <see cref="RagLoggingExtensions.AddRagLogging"/> configures, but into memory instead of the process console,
/// so tests can read every line without racing on <see cref="Console.Out"/>.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ServiceProvider _services;
    private readonly ConsoleFormatter _formatter;
    private readonly StringWriter _output = new();
    private readonly Lock _gate = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    private CapturingLoggerProvider(ServiceProvider services, ConsoleFormatter formatter)
    {
        _services = services;
        _formatter = formatter;
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
            }
        }
    }

    public static CapturingLoggerProvider For(string format)
    {
        var services = new ServiceCollection().AddLogging(builder => builder.AddRagLogging(format)).BuildServiceProvider();
        var name = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        return new CapturingLoggerProvider(services, formatter);
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        _services.Dispose();
        _output.Dispose();
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter);
            lock (owner._gate)
            {
                owner._formatter.Write(entry, owner._scopes, owner._output);
            }
        }
    }
}
