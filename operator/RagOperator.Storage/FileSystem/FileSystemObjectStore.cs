using System.Security.Cryptography;

namespace RagOperator.Storage.FileSystem;

/// <summary>
/// Objects as files under a root directory (a PersistentVolumeClaim mounted into the operator pod). A key is a
/// relative path. A write goes to a hidden temporary file in the same directory that is renamed over the key
/// only when the length and SHA-256 match, so a reader never sees half an object and a crash leaves at most a
/// temporary file (ignored by <see cref="ListAsync"/>).
/// </summary>
public sealed class FileSystemObjectStore(string root, string? description = null) : IObjectStore
{
    private const string TemporaryMarker = ".partial-";

    private readonly string root = Path.GetFullPath(root);

    public string Location { get; } = description ?? $"file://{Path.GetFullPath(root)}";

    public async Task PutAsync(string key, Stream content, long length, string sha256Hex, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}{TemporaryMarker}{Guid.NewGuid():N}");
        try
        {
            long written;
            string actual;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                (written, actual) = await HashingCopy.CopyAsync(content, file, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            if (written != length || !string.Equals(actual, sha256Hex, StringComparison.OrdinalIgnoreCase))
            {
                throw new ObjectStoreException(
                    $"content of {key} does not match: expected {length} bytes with SHA-256 {sha256Hex}, got {written} bytes with {actual}");
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e)
        {
            throw new ObjectStoreException($"cannot write {key} under {Location}: {e.Message}", isTransient: true, e);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) throw new ObjectNotFoundException($"{key} does not exist under {Location}");
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
    }

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root)) return Task.FromResult<IReadOnlyList<StoredObject>>([]);
        var found = new List<StoredObject>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (Path.GetFileName(path).Contains(TemporaryMarker, StringComparison.Ordinal) || !key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var info = new FileInfo(path);
            found.Add(new StoredObject(key, info.Length, info.LastWriteTimeUtc));
        }

        return Task.FromResult<IReadOnlyList<StoredObject>>([.. found.OrderBy(o => o.Key, StringComparer.Ordinal)]);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        ObjectKeys.Check(key);
        return Path.Combine(root, key.Replace('/', Path.DirectorySeparatorChar));
    }
}
