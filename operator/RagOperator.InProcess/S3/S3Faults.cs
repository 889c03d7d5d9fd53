namespace RagOperator.InProcess.S3;

/// <summary>Fault injection for an <see cref="InProcessS3Server"/>; thread-safe, changeable while requests run.</summary>
public sealed class S3Faults
{
    private readonly object gate = new();
    private readonly Queue<int> scripted = new();
    private bool down;

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="statusCode"/> (503 answers S3's <c>SlowDown</c>).</summary>
    public void FailNext(int count, int statusCode = 503)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (gate)
        {
            for (var i = 0; i < count; i++) scripted.Enqueue(statusCode);
        }
    }

    /// <summary>While down, every connection is reset without an answer.</summary>
    public bool Down
    {
        get
        {
            lock (gate) return down;
        }
        set
        {
            lock (gate) down = value;
        }
    }

    public void Reset()
    {
        lock (gate)
        {
            scripted.Clear();
            down = false;
        }
    }

    internal int? NextInjectedStatus()
    {
        lock (gate) return scripted.Count > 0 ? scripted.Dequeue() : null;
    }
}
