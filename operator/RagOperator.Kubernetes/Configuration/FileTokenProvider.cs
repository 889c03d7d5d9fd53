using System.Net.Http.Headers;
using k8s.Authentication;

namespace RagOperator.Kubernetes.Configuration;

/// <summary>
/// Reads a token from a file and re-reads it periodically. Projected service-account tokens are rotated by the
/// kubelet (they expire after about an hour), so a token read once at startup would eventually be rejected. Unlike
/// the official client's <c>TokenFileAuth</c> it keeps the last good token while a rotation briefly removes the file,
/// and its clock can be moved in tests.
/// </summary>
public sealed class FileTokenProvider(string path, TimeSpan? refreshInterval = null, TimeProvider? timeProvider = null) : ITokenProvider
{
    private readonly TimeSpan refreshInterval = refreshInterval ?? TimeSpan.FromMinutes(1);
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    // One immutable snapshot swapped atomically; two callers racing to re-read the file is harmless.
    private volatile Snapshot? current;

    public string Path { get; } = path;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken) =>
        new("Bearer", await GetTokenAsync(cancellationToken));

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
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
