namespace RagOperator.InProcess.S3;

/// <summary>Fault injection for an <see cref="InProcessS3Server"/>; thread-safe, changeable while requests run.</summary>
public sealed class S3Faults
{
    private readonly object gate = new();
    private readonly Queue<int> scripted = new();
    private readonly Queue<int> scriptedParts = new();
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

    /// <summary>
    /// The next <paramref name="count"/> <c>UploadPart</c> requests fail with <paramref name="statusCode"/>, other
    /// requests being unaffected (a part failing mid-upload). Requests of any kind also take <see cref="FailNext"/>.
    /// </summary>
    public void FailNextPartUploads(int count, int statusCode = 503)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (gate)
        {
            for (var i = 0; i < count; i++) scriptedParts.Enqueue(statusCode);
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
            scriptedParts.Clear();
            down = false;
        }
    }

    internal int? NextInjectedStatus(bool partUpload = false)
    {
        lock (gate)
        {
            if (scripted.Count > 0) return scripted.Dequeue();
            return partUpload && scriptedParts.Count > 0 ? scriptedParts.Dequeue() : null;
        }
    }
}
