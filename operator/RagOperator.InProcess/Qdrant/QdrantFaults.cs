namespace RagOperator.InProcess.Qdrant;

/// <summary>How a downed server refuses requests.</summary>
public enum QdrantDownMode
{
    /// <summary>The connection is reset without a response, as when the pod behind the address is gone.</summary>
    CloseConnection,

    /// <summary>Every request, health checks included, gets 503 with a Qdrant error body.</summary>
    ServiceUnavailable,
}

/// <summary>
/// Fault injection for an <see cref="InProcessQdrantServer"/>; thread-safe, changeable while requests run.
/// <see cref="Down"/> affects every endpoint; <see cref="Latency"/> delays every request, <see cref="SlowRequests"/> and
/// <see cref="SlowNext"/> some of them; <see cref="ErrorRate"/> and
/// <see cref="FailNext"/> affect the API endpoints but not the health endpoints (so probes stay meaningful).
/// Injected errors use Qdrant's error envelope: 500 "Service internal error", 503 "Shard temporarily unavailable",
/// 429 "Rate limiting exceeded".
/// </summary>
public sealed class QdrantFaults
{
    private readonly object _gate = new();
    private readonly Random _random;
    private readonly Queue<int> _scripted = new();
    private double _errorRate;
    private TimeSpan _latency;
    private double _slowFraction;
    private TimeSpan _slowLatency;
    private readonly Queue<TimeSpan> _scriptedSlow = new();
    private QdrantDownMode? _down;
    private long _injectedErrors;
    private readonly Queue<int> _scriptedSnapshots = new();
    private int _corruptSnapshotDownloads;
    private TimeSpan _snapshotCreationDelay;

    internal QdrantFaults(int seed)
    {
        _random = new Random(seed);
    }

    /// <summary>Fraction (0..1) of API requests answered with an injected 500 or 503.</summary>
    public double ErrorRate
    {
        get
        {
            lock (_gate)
            {
                return _errorRate;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0.0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            lock (_gate)
            {
                _errorRate = value;
            }
        }
    }

    /// <summary>Added before every request is handled.</summary>
    public TimeSpan Latency
    {
        get
        {
            lock (_gate)
            {
                return _latency;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate)
            {
                _latency = value;
            }
        }
    }

    /// <summary>
    /// A fraction (0..1) of API requests is delayed by <paramref name="extra"/> on top of <see cref="Latency"/>: the
    /// latency tail of a replica that pauses now and then (garbage collection, a busy node, a compaction).
    /// </summary>
    public void SlowRequests(double fraction, TimeSpan extra)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(extra, TimeSpan.Zero);
        lock (_gate)
        {
            _slowFraction = fraction;
            _slowLatency = extra;
        }
    }

    /// <summary>The next <paramref name="count"/> API requests are delayed by <paramref name="extra"/> on top of <see cref="Latency"/>.</summary>
    public void SlowNext(int count, TimeSpan extra)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(extra, TimeSpan.Zero);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _scriptedSlow.Enqueue(extra);
            }
        }
    }

    /// <summary>The delay before this API request is handled: <see cref="Latency"/> plus any slow-request delay it draws.</summary>
    internal TimeSpan NextDelay()
    {
        lock (_gate)
        {
            if (_scriptedSlow.Count > 0)
            {
                return _latency + _scriptedSlow.Dequeue();
            }

            return _slowFraction > 0 && _random.NextDouble() < _slowFraction ? _latency + _slowLatency : _latency;
        }
    }

    public bool IsDown
    {
        get
        {
            lock (_gate)
            {
                return _down is not null;
            }
        }
    }

    /// <summary>Number of requests answered with an injected error so far.</summary>
    public long InjectedErrors => Interlocked.Read(ref _injectedErrors);

    public void Down(QdrantDownMode mode = QdrantDownMode.CloseConnection)
    {
        lock (_gate)
        {
            _down = mode;
        }
    }

    public void Up()
    {
        lock (_gate)
        {
            _down = null;
        }
    }

    /// <summary>The next <paramref name="count"/> API requests fail with <paramref name="statusCode"/>.</summary>
    public void FailNext(int count, int statusCode = 503)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _scripted.Enqueue(statusCode);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> snapshot requests (create, list, download, delete, recover, upload) fail with
    /// <paramref name="statusCode"/>, whatever the other faults say; other endpoints are not affected.
    /// </summary>
    public void FailNextSnapshotRequests(int count, int statusCode = 503)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _scriptedSnapshots.Enqueue(statusCode);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> snapshot downloads serve the file with one byte flipped while <c>size</c> and
    /// <c>checksum</c> still describe the true file, as a transfer corrupted on the way would look to the client.
    /// </summary>
    public void CorruptNextSnapshotDownloads(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _corruptSnapshotDownloads += count;
        }
    }

    /// <summary>Whether this snapshot download is to be corrupted (consumes one of <see cref="CorruptNextSnapshotDownloads"/>).</summary>
    internal bool NextSnapshotDownloadCorrupt()
    {
        lock (_gate)
        {
            if (_corruptSnapshotDownloads == 0)
            {
                return false;
            }

            _corruptSnapshotDownloads--;
            return true;
        }
    }

    /// <summary>Added to every snapshot creation (as a large collection takes long to snapshot); other requests are not delayed.</summary>
    public TimeSpan SnapshotCreationDelay
    {
        get
        {
            lock (_gate)
            {
                return _snapshotCreationDelay;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate)
            {
                _snapshotCreationDelay = value;
            }
        }
    }

    /// <summary>The status to inject for this snapshot request, if any.</summary>
    internal int? NextSnapshotFault()
    {
        int? status;
        lock (_gate)
        {
            status = _scriptedSnapshots.Count > 0 ? _scriptedSnapshots.Dequeue() : null;
        }

        if (status is not null)
        {
            Interlocked.Increment(ref _injectedErrors);
        }

        return status;
    }

    /// <summary>Clears every fault.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _scripted.Clear();
            _scriptedSnapshots.Clear();
            _corruptSnapshotDownloads = 0;
            _snapshotCreationDelay = TimeSpan.Zero;
            _errorRate = 0;
            _latency = TimeSpan.Zero;
            _slowFraction = 0;
            _slowLatency = TimeSpan.Zero;
            _scriptedSlow.Clear();
            _down = null;
        }
    }

    internal QdrantDownMode? CurrentDownMode
    {
        get
        {
            lock (_gate)
            {
                return _down;
            }
        }
    }

    /// <summary>The status to inject for this API request, if any.</summary>
    internal int? NextInjectedStatus()
    {
        int? status = null;
        lock (_gate)
        {
            if (_scripted.Count > 0)
            {
                status = _scripted.Dequeue();
            }
            else if (_errorRate > 0 && _random.NextDouble() < _errorRate)
            {
                status = _random.Next(2) == 0 ? 500 : 503;
            }
        }

        if (status is not null)
        {
            Interlocked.Increment(ref _injectedErrors);
        }

        return status;
    }

    internal static string InjectedMessage(int statusCode) => statusCode switch
    {
        500 => "Service internal error: injected fault",
        503 => "Shard temporarily unavailable: injected fault",
        429 => "Rate limiting exceeded: injected fault",
        408 => "Timeout: injected fault",
        404 => "Not found: injected fault",
        403 => "Forbidden: injected fault",
        _ => "Bad request: injected fault",
    };
}
