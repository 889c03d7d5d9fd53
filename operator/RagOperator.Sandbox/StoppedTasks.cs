namespace RagOperator.Sandbox;

/// <summary>Waits for background loops that were told to stop through their cancellation token.</summary>
internal static class StoppedTasks
{
    public static async Task WaitAsync(params Task[] tasks)
    {
        foreach (var task in tasks)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
                // Stopping is how these loops end.
            }
        }
    }
}
