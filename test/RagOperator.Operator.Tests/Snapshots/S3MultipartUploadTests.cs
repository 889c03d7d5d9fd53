using System.Security.Cryptography;
using FluentAssertions;
using RagOperator.InProcess.S3;
using RagOperator.Storage;
using RagOperator.Storage.S3;
using RagOperator.Storage.Signing;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

/// <summary>
/// The S3 store's multipart upload against the in-process S3 server, with KiB-sized parts (the server's minimum part
/// size lowered to match) so that many-part objects stay small.
/// </summary>
public sealed class S3MultipartUploadTests : IAsyncLifetime
{
    private const int PartSize = 8 * 1024;
    private const int MinimumPartSize = 4 * 1024;
    private const string Bucket = "backups";
    private static readonly HttpClient Http = new();
    private InProcessS3Server s3 = null!;

    public async Task InitializeAsync() =>
        s3 = await InProcessS3Server.StartAsync(new InProcessS3Options { Buckets = [Bucket], MinimumPartSize = MinimumPartSize });

    public async Task DisposeAsync() => await s3.DisposeAsync();

    private S3ObjectStore Store(int maxRetries = 3) => new(Http, new S3Options
    {
        Endpoint = s3.BaseUri,
        Bucket = Bucket,
        Prefix = "team-a",
        Region = s3.Region,
        Credentials = new SigV4Credentials(s3.AccessKeyId, s3.SecretAccessKey),
        PartSize = PartSize,
        MinimumPartSize = MinimumPartSize,
        MaxRetries = maxRetries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
    });

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<byte[]> ReadBackAsync(string key)
    {
        await using var stream = await Store().OpenReadAsync(key, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task An_object_larger_than_the_part_size_is_uploaded_in_parts_and_reads_back_byte_identical()
    {
        var content = Bytes(7 * PartSize - 100);

        await Store().PutAsync("ns/docs/shard-0.snapshot", new ChunkedStream(content, chunk: 1000), content.Length, Sha(content), CancellationToken.None);

        var stored = await ReadBackAsync("ns/docs/shard-0.snapshot");
        stored.Should().Equal(content);
        Sha(stored).Should().Be(Sha(content));
        s3.ETag(Bucket, "team-a/ns/docs/shard-0.snapshot").Should().EndWith("-7\"", "seven parts of at most 8 KiB were assembled");
        s3.PendingUploads(Bucket).Should().BeEmpty();
        s3.RejectedSignatures.Should().Be(0);
    }

    [Fact]
    public async Task An_object_up_to_the_part_size_goes_in_one_put()
    {
        var content = Bytes(PartSize);

        await Store().PutAsync("ns/small", new MemoryStream(content), content.Length, Sha(content), CancellationToken.None);

        s3.ETag(Bucket, "team-a/ns/small").Should().NotContain("-");
        s3.RequestCount.Should().Be(1);
    }

    [Fact]
    public async Task A_part_that_fails_transiently_is_sent_again_and_the_upload_completes()
    {
        var content = Bytes(3 * PartSize);
        s3.Faults.FailNextPartUploads(2, 503);

        await Store().PutAsync("ns/retried", new MemoryStream(content), content.Length, Sha(content), CancellationToken.None);

        (await ReadBackAsync("ns/retried")).Should().Equal(content);
        s3.ETag(Bucket, "team-a/ns/retried").Should().EndWith("-3\"");
        s3.RequestCount.Should().Be(1 + 3 + 2 + 1 + 1, "create, three parts, the two failed attempts sent again, complete and the read back");
    }

    [Fact]
    public async Task A_part_that_keeps_failing_aborts_the_upload_and_leaves_no_object()
    {
        var content = Bytes(3 * PartSize);
        s3.Faults.FailNextPartUploads(3, 500);

        var act = () => Store(maxRetries: 2).PutAsync("ns/failed", new MemoryStream(content), content.Length, Sha(content), CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<ObjectStoreException>()).Which;
        failure.IsTransient.Should().BeTrue();
        failure.Message.Should().Contain("UploadPart 1 of ns/failed").And.Contain("InternalError");
        s3.AbortedUploads.Should().Be(1);
        s3.PendingUploads(Bucket).Should().BeEmpty();
        s3.Keys(Bucket).Should().BeEmpty();
    }

    [Fact]
    public async Task Cancelling_an_upload_aborts_it()
    {
        var content = Bytes(5 * PartSize);
        using var cancellation = new CancellationTokenSource();
        var stream = new ChunkedStream(content, chunk: 1024, onRead: total =>
        {
            if (total > 2 * PartSize) cancellation.Cancel();
        });

        var act = () => Store().PutAsync("ns/cancelled", stream, content.Length, Sha(content), cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        s3.AbortedUploads.Should().Be(1);
        s3.PendingUploads(Bucket).Should().BeEmpty();
        s3.Keys(Bucket).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0, "a wrong SHA-256")]
    [InlineData(-5, "fewer bytes than declared")]
    [InlineData(5, "more bytes than declared")]
    public async Task Content_that_does_not_match_what_was_declared_aborts_the_upload(int extraBytes, string because)
    {
        var declared = Bytes(3 * PartSize);
        byte[] sent = extraBytes switch
        {
            0 => [.. declared.Select(b => (byte)(b ^ 0xFF))],
            < 0 => declared[..^(-extraBytes)],
            _ => [.. declared, .. new byte[extraBytes]],
        };

        var act = () => Store().PutAsync("ns/corrupt", new MemoryStream(sent), declared.Length, Sha(declared), CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<ObjectStoreException>(because)).Which;
        failure.IsTransient.Should().BeFalse();
        failure.Message.Should().Contain("does not match");
        s3.AbortedUploads.Should().Be(1);
        s3.PendingUploads(Bucket).Should().BeEmpty();
        s3.Keys(Bucket).Should().BeEmpty();
    }

    [Fact]
    public async Task An_object_larger_than_s3_allows_is_refused_before_any_request()
    {
        var act = () => Store().PutAsync("ns/huge", new MemoryStream(), S3PartSizing.MaxObjectSize + 1, new string('0', 64), CancellationToken.None);

        (await act.Should().ThrowAsync<ObjectStoreException>()).Which.Message.Should().Contain("5 TiB");
        s3.RequestCount.Should().Be(0);
    }

    private const long MiB = S3PartSizing.MiB;

    public static TheoryData<long, long, long, long> PartSizes => new()
    {
        // length, configured, minimum, expected part size
        { 100 * MiB, 64 * MiB, 5 * MiB, 64 * MiB },
        { 100 * MiB, 1 * MiB, 5 * MiB, 5 * MiB },
        { 10 * MiB, 1024, 4096, 4096 },
        { 100 * MiB, 1024, 4096, 10_486 },
        { 10_000 * 64 * MiB, 64 * MiB, 5 * MiB, 64 * MiB },
        { 10_000 * 64 * MiB + 1, 64 * MiB, 5 * MiB, 64 * MiB + 1 },
        { 1024L * 1024 * MiB, 64 * MiB, 5 * MiB, 109_951_163 },
        { S3PartSizing.MaxObjectSize, 64 * MiB, 5 * MiB, 549_755_814 },
        { 3, 64 * MiB, 5 * MiB, 64 * MiB },
    };

    [Theory]
    [MemberData(nameof(PartSizes))]
    public void The_part_size_is_the_configured_one_raised_to_the_minimum_and_to_fit_ten_thousand_parts(long length, long configured, long minimum, long expected)
    {
        var size = S3PartSizing.PartSize(length, configured, minimum);

        size.Should().Be(expected);
        S3PartSizing.PartCount(length, size).Should().BeLessThanOrEqualTo(S3PartSizing.MaxParts);
    }

    [Theory]
    [InlineData(S3PartSizing.MaxObjectSize + 1, 64 * MiB)]
    [InlineData(100 * MiB, 2048 * MiB)]
    [InlineData(100 * MiB, 0)]
    public void A_length_or_part_size_beyond_the_limits_is_refused(long length, long configured)
    {
        var act = () => S3PartSizing.PartSize(length, configured);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>A non-seekable stream that hands out at most <c>chunk</c> bytes per read, as a network stream does.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk, Action<long>? onRead = null) : Stream
    {
        private int position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(chunk, buffer.Length), data.Length - position);
            data.AsSpan(position, count).CopyTo(buffer);
            position += count;
            onRead?.Invoke(position);
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
