using FluentAssertions;
using RagOperator.Operator.Cli;
using Xunit;

namespace RagOperator.Operator.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void Run_accepts_exactly_the_documented_flags()
    {
        RunCommand.Create().Options.Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n is not "--help" and not "-?")
            .Should().BeEquivalentTo(["--leader-elect", "--leader-elect-lease-duration", "--leader-elect-renew-deadline", "--leader-elect-retry-period", "--metrics-port", "--health-port", "--router-image", "--log-format", "--watch-namespaces", "--otlp-endpoint", "--kubeconfig", "--context", "--rollout-pod-timeout-seconds"]);
    }

    [Theory]
    [InlineData(new[] { "--log-format", "xml" }, true)]
    [InlineData(new[] { "--log-format", "text", "--leader-elect", "--metrics-port", "9090", "--watch-namespaces", "a,b" }, false)]
    [InlineData(new[] { "--metrics-port", "eighty" }, true)]
    [InlineData(new[] { "--rollout-pod-timeout-seconds", "1200" }, false)]
    [InlineData(new[] { "--rollout-pod-timeout-seconds", "0" }, true)]
    [InlineData(new[] { "--leader-elect-lease-duration", "30", "--leader-elect-renew-deadline", "20" }, false)]
    [InlineData(new[] { "--leader-elect-renew-deadline", "-1" }, true)]
    public void Run_rejects_invalid_flag_values(string[] args, bool rejected) =>
        (RunCommand.Create().Parse(args).Errors.Count > 0).Should().Be(rejected);

    [Fact]
    public void Render_and_manifests_are_subcommands_of_the_binary()
    {
        RenderCommand.Create().Name.Should().Be("render");
        ManifestsCommand.Create().Name.Should().Be("manifests");
        RunCommand.Create().Name.Should().Be("run");
    }

    [Theory]
    [InlineData(15, 10, 2, null)]
    [InlineData(10, 10, 2, "renew deadline (10 s) must be shorter than the lease duration (10 s)")]
    [InlineData(15, 10, 10, "retry period (10 s) must be shorter than the renew deadline (10 s)")]
    public void Lease_timing_that_could_not_work_is_named(int lease, int renew, int retry, string? problem) =>
        new Operator.Hosting.LeaseTiming { LeaseDuration = TimeSpan.FromSeconds(lease), RenewDeadline = TimeSpan.FromSeconds(renew), RetryPeriod = TimeSpan.FromSeconds(retry) }
            .Problem().Should().Be(problem is null ? null : "the " + problem);
}
