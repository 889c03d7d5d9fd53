namespace RagOperator.Storage;

/// <summary>One stored object: its key (relative to the store's root), size and last change.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// The narrow seam between snapshot logic and where snapshot files live: a flat key space of immutable objects
/// (keys use <c>/</c> as a separator, see <see cref="ObjectKeys"/>). Implemented by a directory on a mounted volume
/// (<see cref="FileSystem.FileSystemObjectStore"/>) and by any S3-compatible bucket (<see cref="S3.S3ObjectStore"/>).
/// Contents stream: nothing here holds a whole object in memory.
/// </summary>
public interface IObjectStore
{
    /// <summary>Where the store points, for status and messages (never holds credentials), e.g. <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>
    /// Writes <paramref name="content"/> (exactly <paramref name="length"/> bytes whose SHA-256 is
    /// <paramref name="sha256Hex"/>) under <paramref name="key"/>, replacing any object there. The object becomes
    /// visible only whole: a failed write leaves no partial object.
    /// </summary>
    Task PutAsync(string key, Stream content, long length, string sha256Hex, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the object for reading as it arrives (the caller disposes the stream); throws
    /// <see cref="ObjectNotFoundException"/> when absent.
    /// </summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order.</summary>
    Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting an absent key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>A store could not be reached or refused a request; <see cref="IsTransient"/> says whether a retry may help.</summary>
public class ObjectStoreException : Exception
{
    public ObjectStoreException() { }

    public ObjectStoreException(string message) : base(message) { }

    public ObjectStoreException(string message, Exception inner) : base(message, inner) { }

    public ObjectStoreException(string message, bool isTransient, Exception? inner = null) : base(message, inner)
    {
        IsTransient = isTransient;
    }

    public bool IsTransient { get; }
}

/// <summary>The key names no object.</summary>
public sealed class ObjectNotFoundException : ObjectStoreException
{
    public ObjectNotFoundException() { }

    public ObjectNotFoundException(string message) : base(message) { }

    public ObjectNotFoundException(string message, Exception inner) : base(message, inner) { }
}
