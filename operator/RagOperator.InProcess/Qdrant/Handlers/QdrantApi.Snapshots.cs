using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>
/// Collection snapshot endpoints: create, list, download, delete, recover from a URL (http(s) or file), and
/// recover from an uploaded file. Recovery replaces the collection's data, creating the collection if needed.
/// Besides the server-wide faults, <see cref="QdrantFaults.FailNextSnapshotRequests"/>,
/// <see cref="QdrantFaults.CorruptNextSnapshotDownloads"/> and <see cref="QdrantFaults.SnapshotCreationDelay"/> target
/// these endpoints only.
/// </summary>
internal sealed partial class QdrantApi
{
    private async Task CreateSnapshotAsync(HttpContext context, string name, long started)
    {
        if (await SnapshotFaultAsync(context, started))
        {
            return;
        }

        var collection = Collection(name);
        if (faults.SnapshotCreationDelay is { } delay && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        var file = _snapshots.Add(name, SnapshotCodec.Write(collection));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => WriteSnapshotDescription(writer, file));
    }

    private async Task ListSnapshotsAsync(HttpContext context, string name, long started)
    {
        if (await SnapshotFaultAsync(context, started))
        {
            return;
        }

        Collection(name);
        var files = _snapshots.List(name);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartArray();
            foreach (var file in files)
            {
                WriteSnapshotDescription(writer, file);
            }

            writer.WriteEndArray();
        });
    }

    private async Task DownloadSnapshotAsync(HttpContext context, string name, string snapshot)
    {
        if (await SnapshotFaultAsync(context, 0))
        {
            return;
        }

        var file = _snapshots.Get(name, snapshot) ?? throw QdrantHttpError.NotFound($"Snapshot {snapshot} not found");
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = file.Content.Length;
        var content = file.Content;
        if (content.Length > 0 && faults.NextSnapshotDownloadCorrupt())
        {
            content = (byte[])content.Clone();
            content[content.Length / 2] ^= 0xFF;
        }

        await context.Response.Body.WriteAsync(content, context.RequestAborted);
    }

    private async Task DeleteSnapshotAsync(HttpContext context, string name, string snapshot, long started)
    {
        if (await SnapshotFaultAsync(context, started))
        {
            return;
        }

        if (!_snapshots.Remove(name, snapshot))
        {
            throw QdrantHttpError.NotFound($"Snapshot {snapshot} not found");
        }

        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private async Task RecoverSnapshotAsync(HttpContext context, string name, long started)
    {
        if (await SnapshotFaultAsync(context, started))
        {
            return;
        }

        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "SnapshotRecover");
        var location = RequestJson.OptionalString(body, "location") ?? throw QdrantHttpError.Format("missing field `location`");
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri))
        {
            throw QdrantHttpError.Format($"invalid value: string \"{location}\", expected a URI");
        }

        var content = await FetchSnapshotAsync(uri, RequestJson.OptionalString(body, "api_key"), context.RequestAborted);
        Restore(name, content, RequestJson.OptionalString(body, "checksum"));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private async Task UploadSnapshotAsync(HttpContext context, string name, long started)
    {
        if (await SnapshotFaultAsync(context, started))
        {
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            throw QdrantHttpError.BadRequest("Expected a multipart/form-data body with a `snapshot` file");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var file = form.Files["snapshot"] ?? throw QdrantHttpError.BadRequest("Expected a multipart/form-data body with a `snapshot` file");
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, context.RequestAborted);
        Restore(name, buffer.ToArray(), context.Request.Query["checksum"].FirstOrDefault());
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private void Restore(string name, byte[] content, string? expectedChecksum)
    {
        if (expectedChecksum is not null)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(content));
            if (!string.Equals(actual, expectedChecksum, StringComparison.OrdinalIgnoreCase))
            {
                throw QdrantHttpError.ChecksumMismatch(expectedChecksum, actual);
            }
        }

        var restored = SnapshotCodec.Read(content, name);
        collections.Replace(restored);
        _cluster.OnCollectionCreated(name, restored.Params.ShardNumber, restored.Params.ReplicationFactor);
    }

    private async Task<byte[]> FetchSnapshotAsync(Uri location, string? apiKey, CancellationToken cancellationToken)
    {
        if (location.IsFile)
        {
            return File.Exists(location.LocalPath)
                ? await File.ReadAllBytesAsync(location.LocalPath, cancellationToken)
                : throw QdrantHttpError.NotFound($"Snapshot file {location.LocalPath} does not exist");
        }

        if (location.Scheme is not ("http" or "https"))
        {
            throw QdrantHttpError.BadRequest($"Unsupported snapshot location scheme `{location.Scheme}`");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, location);
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("api-key", apiKey);
        }

        try
        {
            using var response = await _downloads.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? await response.Content.ReadAsByteArrayAsync(cancellationToken)
                : throw QdrantHttpError.BadRequest($"Failed to download snapshot from {location}: HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException failure)
        {
            throw QdrantHttpError.BadRequest($"Failed to download snapshot from {location}: {failure.Message}");
        }
    }

    /// <summary>Answers an injected snapshot fault (<see cref="QdrantFaults.FailNextSnapshotRequests"/>), if one is due.</summary>
    private async Task<bool> SnapshotFaultAsync(HttpContext context, long started)
    {
        if (faults.NextSnapshotFault() is not { } status)
        {
            return false;
        }

        await QdrantResponses.WriteErrorAsync(context, status, QdrantFaults.InjectedMessage(status), started == 0 ? 0 : Seconds(started));
        return true;
    }

    private static void WriteSnapshotDescription(Utf8JsonWriter writer, SnapshotFile file)
    {
        writer.WriteStartObject();
        writer.WriteString("name", file.Name);
        writer.WriteString("creation_time", file.CreationTime);
        writer.WriteNumber("size", file.Content.Length);
        writer.WriteString("checksum", file.Checksum);
        writer.WriteEndObject();
    }
}
