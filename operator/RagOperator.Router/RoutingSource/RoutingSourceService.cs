using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RagOperator.Router.RoutingSource;

/// <summary>
/// Runs the routing source for the router's lifetime. If the source fails, it is restarted after a growing pause
/// (100 ms doubling to 10 s), while the router keeps serving the table it has.
/// </summary>
internal sealed class RoutingSourceService(IRoutingSource source, RoutingFeed feed, ILogger<RoutingSourceService> logger) : BackgroundService
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = FirstPause;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await source.RunAsync(feed, stoppingToken);
                pause = FirstPause;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                feed.Problem($"routing source failed: {error.Message}");
                logger.LogError(error, "Routing source failed; restarting in {Pause}", pause);
            }

            try
            {
                await Task.Delay(pause, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = TimeSpan.FromTicks(Math.Min(MaxPause.Ticks, pause.Ticks * 2));
        }
    }
}
