namespace RagOperator.Kubernetes.Configuration;

/// <summary>Supplies the bearer token of each request; lets tokens rotate without rebuilding the client.</summary>
public interface IAccessTokenProvider
{
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);
}

public sealed class StaticTokenProvider(string token) : IAccessTokenProvider
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
}

/// <summary>
/// Reads a token from a file and re-reads it periodically. Projected service-account tokens are rotated by the
/// kubelet (they expire after about an hour), so a token read once at startup would eventually be rejected.
/// </summary>
public sealed class FileTokenProvider(string path, TimeSpan? refreshInterval = null, TimeProvider? timeProvider = null) : IAccessTokenProvider
{
    private readonly TimeSpan refreshInterval = refreshInterval ?? TimeSpan.FromMinutes(1);
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    // One immutable snapshot swapped atomically; two callers racing to re-read the file is harmless.
    private volatile Snapshot? current;

    public string Path { get; } = path;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        var snapshot = current;
        var now = time.GetUtcNow();
        if (snapshot is not null && now - snapshot.ReadAt < refreshInterval) return snapshot.Token;
        try
        {
            var token = (await File.ReadAllTextAsync(Path, cancellationToken)).Trim();
            current = new Snapshot(token, now);
            return token;
        }
        catch (IOException) when (snapshot is not null)
        {
            // Keep the last good token: a rotation in progress can briefly leave the file missing.
            current = snapshot with { ReadAt = now };
            return snapshot.Token;
        }
    }

    private sealed record Snapshot(string Token, DateTimeOffset ReadAt);
}
