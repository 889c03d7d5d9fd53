using System.Globalization;
using System.Security.Cryptography;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>A snapshot file kept in memory, described as Qdrant's <c>SnapshotDescription</c>.</summary>
internal sealed record SnapshotFile(string Collection, string Name, DateTime CreatedUtc, byte[] Content)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Content));

    public string CreationTime => CreatedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>
/// Snapshots per collection, in memory. Names follow Qdrant's pattern <c>{collection}-{peer}-{yyyy-MM-dd-HH-mm-ss}.snapshot</c>;
/// a second snapshot within the same second gets the next second's stamp so that names stay unique.
/// </summary>
internal sealed class SnapshotStore(ulong peerId, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Collection, string Name), SnapshotFile> _files = [];
    private DateTime _lastStamp = DateTime.MinValue;

    public SnapshotFile Add(string collection, byte[] content)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var stamp = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc);
            if (stamp <= _lastStamp)
            {
                stamp = _lastStamp.AddSeconds(1);
            }

            _lastStamp = stamp;
            var name = string.Create(CultureInfo.InvariantCulture, $"{collection}-{peerId}-{stamp:yyyy-MM-dd-HH-mm-ss}.snapshot");
            var file = new SnapshotFile(collection, name, stamp, content);
            _files[(collection, name)] = file;
            return file;
        }
    }

    public IReadOnlyList<SnapshotFile> List(string collection)
    {
        lock (_gate)
        {
            return _files.Values.Where(file => file.Collection == collection).OrderBy(file => file.Name, StringComparer.Ordinal).ToArray();
        }
    }

    public SnapshotFile? Get(string collection, string name)
    {
        lock (_gate)
        {
            return _files.GetValueOrDefault((collection, name));
        }
    }

    public bool Remove(string collection, string name)
    {
        lock (_gate)
        {
            return _files.Remove((collection, name));
        }
    }
}
