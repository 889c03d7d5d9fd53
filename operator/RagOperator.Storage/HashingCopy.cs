using System.Security.Cryptography;

namespace RagOperator.Storage;

/// <summary>Copies a stream while hashing it (SHA-256), returning the byte count and the lower-case hex digest.</summary>
public static class HashingCopy
{
    public static async Task<(long Length, string Sha256Hex)> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            total += read;
        }

        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
