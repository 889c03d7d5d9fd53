using System.Globalization;
using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant;

/// <summary>The REST-only calls: cluster status, peer removal, and snapshot download, upload and recovery.</summary>
public sealed partial class QdrantRestClient
{
    public Task<ClusterStatus> GetClusterStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync("get_cluster", HttpMethod.Get, "cluster", null, ParseResult<ClusterStatus>, retry: true, cancellationToken);

    public Task RemovePeerAsync(ulong peerId, bool force = false, CancellationToken cancellationToken = default) =>
        SendAsync("remove_peer", HttpMethod.Delete,
            string.Create(CultureInfo.InvariantCulture, $"cluster/peer/{peerId}?force={(force ? "true" : "false")}"), null,
            ParseResult<bool>, retry: false, cancellationToken);

    public Task<byte[]> DownloadSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        SendAsync("download_snapshot", HttpMethod.Get, SnapshotPath(collection, snapshotName), null, static bytes => bytes,
            retry: true, cancellationToken);

    public Uri SnapshotUri(string collection, string snapshotName) => new(BaseUri, SnapshotPath(collection, snapshotName));

    public Task RecoverSnapshotAsync(string collection, SnapshotRecoverRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("recover_snapshot", HttpMethod.Put, CollectionPath(collection) + "/snapshots/recover?wait=true", request,
            ParseResult<bool>, retry: true, cancellationToken);

    public Task UploadSnapshotAsync(
        string collection, byte[] snapshot, string? checksum = null, SnapshotPriority? priority = null,
        CancellationToken cancellationToken = default)
    {
        var query = "?wait=true";
        if (priority is { } p)
        {
            query += "&priority=" + p switch { SnapshotPriority.NoSync => "no_sync", SnapshotPriority.Replica => "replica", _ => "snapshot" };
        }

        if (checksum is not null)
        {
            query += "&checksum=" + Uri.EscapeDataString(checksum);
        }

        return SendContentAsync("upload_snapshot", HttpMethod.Post, CollectionPath(collection) + "/snapshots/upload" + query, () =>
        {
            var form = new MultipartFormDataContent();
            form.Add(new ByteArrayContent(snapshot), "snapshot", collection + ".snapshot");
            return form;
        }, ParseResult<bool>, retry: false, cancellationToken);
    }

    public async Task<Stream> OpenSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default)
    {
        var response = await SendStreamingAsync(
            "download_snapshot", HttpMethod.Get, SnapshotPath(collection, snapshotName), null, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            return new SnapshotReadStream(response, await response.Content.ReadAsStreamAsync(cancellationToken), BaseUri);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task UploadSnapshotStreamAsync(
        string collection, Stream content, string? checksum = null, SnapshotPriority? priority = null,
        CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(content), "snapshot", collection + ".snapshot");
        using var response = await SendStreamingAsync(
            "upload_snapshot", HttpMethod.Post, CollectionPath(collection) + "/snapshots/upload" + UploadQuery(checksum, priority), form,
            HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <summary>One attempt, no per-attempt timeout (bodies may be large); a non-success answer becomes a <see cref="QdrantException"/>.</summary>
    private async Task<HttpResponseMessage> SendStreamingAsync(
        string operation, HttpMethod method, string relativePath, HttpContent? content, HttpCompletionOption completion,
        CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = "success";
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(BaseUri, relativePath)) { Content = content };
            if (!string.IsNullOrEmpty(_options.ApiKey))
            {
                request.Headers.TryAddWithoutValidation("api-key", _options.ApiKey);
            }

            var response = await _http.SendAsync(request, completion, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                var transient = QdrantException.IsTransientStatus(response.StatusCode);
                outcome = transient ? "server_error" : "client_error";
                throw new QdrantException(
                    operation, BaseUri, response.StatusCode, ExtractError(await response.Content.ReadAsByteArrayAsync(cancellationToken)), transient);
            }
        }
        catch (HttpRequestException connectionError)
        {
            outcome = "unreachable";
            throw new QdrantException(operation, BaseUri, null, QdrantException.DescribeConnectionError(connectionError), isTransient: true, connectionError);
        }
        catch (IOException ioError)
        {
            outcome = "unreachable";
            throw new QdrantException(operation, BaseUri, null, $"connection failed ({ioError.Message})", isTransient: true, ioError);
        }
        finally
        {
            QdrantMetrics.Record(operation, outcome, BaseUri.Authority, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private static string UploadQuery(string? checksum, SnapshotPriority? priority)
    {
        var query = "?wait=true";
        if (priority is { } p)
        {
            query += "&priority=" + p switch { SnapshotPriority.NoSync => "no_sync", SnapshotPriority.Replica => "replica", _ => "snapshot" };
        }

        if (checksum is not null)
        {
            query += "&checksum=" + Uri.EscapeDataString(checksum);
        }

        return query;
    }

    private static string SnapshotPath(string collection, string snapshotName) =>
        CollectionPath(collection) + "/snapshots/" + Uri.EscapeDataString(snapshotName);

    /// <summary>The body of a snapshot download; owns the response, and reports a cut connection as a transient <see cref="QdrantException"/>.</summary>
    private sealed class SnapshotReadStream(HttpResponseMessage response, Stream body, Uri shard) : Stream
    {
        private long read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                var n = await body.ReadAsync(buffer, cancellationToken);
                read += n;
                return n;
            }
            catch (Exception cut) when (cut is IOException or HttpRequestException)
            {
                throw new QdrantException("download_snapshot", shard, null, $"download cut after {read} bytes ({cut.Message})", isTransient: true, cut);
            }
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                body.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
