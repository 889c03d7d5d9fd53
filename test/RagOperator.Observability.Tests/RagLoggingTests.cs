using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using RagOperator.Observability.Logging;

namespace RagOperator.Observability.Tests;

public sealed class RagLoggingTests
{
    [Fact]
    public void Json_logs_carry_the_collection_and_reconcile_id_on_every_line_inside_the_scope()
    {
        using var capture = CapturingLoggerProvider.For("json");
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(capture));
        var logger = factory.CreateLogger("RagOperator.Controller");
        var reconcileId = RagLogScope.NewReconcileId();

        using (logger.BeginReconcile("team-a", "docs", reconcileId))
        {
            logger.LogInformation("Reconciling {Shards} shards", 3);
            logger.LogWarning("Shard {Shard} not ready", 2);
        }

        logger.LogInformation("Idle");

        var lines = capture.Lines;
        lines.Should().HaveCount(3);
        var documents = lines.Select(line => JsonDocument.Parse(line)).ToList();
        foreach (var document in documents.Take(2))
        {
            var scope = document.RootElement.GetProperty("Scopes").EnumerateArray().Single();
            scope.GetProperty("collection").GetString().Should().Be("docs");
            scope.GetProperty("namespace").GetString().Should().Be("team-a");
            scope.GetProperty("reconcileId").GetString().Should().Be(reconcileId);
            document.RootElement.GetProperty("Timestamp").GetString().Should().EndWith("Z");
        }

        documents[0].RootElement.GetProperty("State").GetProperty("Shards").GetInt32().Should().Be(3);
        documents[1].RootElement.GetProperty("LogLevel").GetString().Should().Be("Warning");
        documents[2].RootElement.GetProperty("Scopes").GetArrayLength().Should().Be(0, "the scope ended with the reconcile");
        documents.ForEach(d => d.Dispose());
    }

    [Fact]
    public void Text_logs_are_single_lines_that_include_the_scope()
    {
        using var capture = CapturingLoggerProvider.For("text");
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(capture));
        var logger = factory.CreateLogger("RagOperator.Controller");

        using (logger.BeginReconcile("team-a", "docs", "abc123"))
        {
            logger.LogInformation("Created StatefulSet {Name}", "docs-shard-0");
        }

        capture.Lines.Should().ContainSingle().Which.Should()
            .Contain("namespace=team-a collection=docs reconcileId=abc123").And.Contain("Created StatefulSet docs-shard-0");
    }

    [Theory]
    [InlineData("json", ConsoleFormatterNames.Json)]
    [InlineData("text", ConsoleFormatterNames.Simple)]
    [InlineData("JSON", ConsoleFormatterNames.Json)]
    public void The_console_logger_is_the_only_provider_and_uses_the_chosen_formatter(string format, string formatter)
    {
        var services = new ServiceCollection();
        services.AddLogging(builder =>
        {
            builder.AddProvider(NullLoggerProvider.Instance);
            builder.AddRagLogging(format);
        });
        using var provider = services.BuildServiceProvider();

        provider.GetServices<ILoggerProvider>().Should().ContainSingle().Which.Should().BeOfType<ConsoleLoggerProvider>();
        provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName.Should().Be(formatter);
    }

    [Fact]
    public void An_unknown_format_is_rejected_with_the_accepted_ones()
    {
        var services = new ServiceCollection();

        var add = () => services.AddLogging(builder => builder.AddRagLogging("xml"));

        add.Should().Throw<ArgumentException>().WithMessage("*xml*json, text*");
    }
}
