using System.Net;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using RagOperator.InProcess.S3;
using Xunit;

namespace RagOperator.InProcess.Tests.S3;

/// <summary>The in-process S3 server's multipart upload, request by request, as S3 answers it.</summary>
public sealed class MultipartUploadProtocolTests : IAsyncLifetime
{
    private const string Bucket = "snapshots";
    private const string Key = "ns/docs/shard-0.snapshot";
    private const string ObjectPath = "/" + Bucket + "/" + Key;
    private const int MinimumPartSize = 1024;
    private InProcessS3Server server = null!;
    private S3Http s3 = null!;

    public async Task InitializeAsync()
    {
        server = await InProcessS3Server.StartAsync(new InProcessS3Options { Buckets = [Bucket], MinimumPartSize = MinimumPartSize });
        s3 = new S3Http(server);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static List<KeyValuePair<string, string>> Query(params string[] pairs) =>
        [.. pairs.Chunk(2).Select(p => KeyValuePair.Create(p[0], p[1]))];

    private static byte[] Bytes(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();

    private static string Md5Hex(byte[] bytes) =>
#pragma warning disable CA5351 // S3's ETag algorithm, not a security measure.
        Convert.ToHexStringLower(MD5.HashData(bytes));
#pragma warning restore CA5351

    private async Task<string> CreateAsync(string path = ObjectPath)
    {
        var created = await s3.SendAsync(HttpMethod.Post, path, Query("uploads", ""));
        created.Status.Should().Be(HttpStatusCode.OK);
        return created.Value("UploadId")!;
    }

    private async Task<string> UploadPartAsync(string uploadId, int number, byte[] content)
    {
        var answer = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", number.ToString(System.Globalization.CultureInfo.InvariantCulture), "uploadId", uploadId), content);
        answer.Status.Should().Be(HttpStatusCode.OK, answer.Code);
        return answer.ETag!;
    }

    private Task<S3Answer> CompleteAsync(string uploadId, params (int Number, string ETag)[] parts)
    {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
            string.Concat(parts.Select(p => $"<Part><PartNumber>{p.Number}</PartNumber><ETag>{p.ETag}</ETag></Part>")) +
            "</CompleteMultipartUpload>";
        return s3.SendAsync(HttpMethod.Post, ObjectPath, Query("uploadId", uploadId), Encoding.UTF8.GetBytes(xml));
    }

    [Fact]
    public async Task Parts_are_assembled_in_part_number_order_and_the_etag_is_the_md5_of_the_part_md5s_with_the_count()
    {
        var created = await s3.SendAsync(HttpMethod.Post, ObjectPath, Query("uploads", ""));
        created.Body!.Name.LocalName.Should().Be("InitiateMultipartUploadResult");
        created.Value("Bucket").Should().Be(Bucket);
        created.Value("Key").Should().Be(Key);
        var uploadId = created.Value("UploadId")!;
        var first = Bytes(MinimumPartSize, 1);
        var second = Bytes(10, 2);

        var secondETag = await UploadPartAsync(uploadId, 2, second);
        var firstETag = await UploadPartAsync(uploadId, 1, first);
        server.PendingUploads(Bucket).Should().Equal(Key);
        server.Content(Bucket, Key).Should().BeNull("the object appears only once the upload is completed");
        var completed = await CompleteAsync(uploadId, (1, firstETag), (2, secondETag));

        firstETag.Should().Be($"\"{Md5Hex(first)}\"");
        completed.Status.Should().Be(HttpStatusCode.OK);
        completed.Body!.Name.LocalName.Should().Be("CompleteMultipartUploadResult");
        completed.Value("Bucket").Should().Be(Bucket);
        completed.Value("Key").Should().Be(Key);
        var expectedETag = $"\"{Md5Hex([.. Convert.FromHexString(Md5Hex(first)), .. Convert.FromHexString(Md5Hex(second))])}-2\"";
        completed.Value("ETag").Should().Be(expectedETag);
        var read = await s3.SendAsync(HttpMethod.Get, ObjectPath, []);
        read.Bytes.Should().Equal([.. first, .. second]);
        read.ETag.Should().Be(expectedETag);
        server.PendingUploads(Bucket).Should().BeEmpty();
    }

    [Fact]
    public async Task Parts_not_named_in_the_completion_are_discarded_and_a_part_sent_again_replaces_the_first()
    {
        var uploadId = await CreateAsync();
        await UploadPartAsync(uploadId, 1, Bytes(MinimumPartSize, 1));
        var replaced = await UploadPartAsync(uploadId, 1, Bytes(MinimumPartSize, 9));
        await UploadPartAsync(uploadId, 3, Bytes(5, 3));

        (await CompleteAsync(uploadId, (1, replaced))).Status.Should().Be(HttpStatusCode.OK);

        server.Content(Bucket, Key).Should().Equal(Bytes(MinimumPartSize, 9));
    }

    [Fact]
    public async Task A_part_smaller_than_the_minimum_before_the_last_is_refused_with_EntityTooSmall()
    {
        var uploadId = await CreateAsync();
        var small = await UploadPartAsync(uploadId, 1, Bytes(MinimumPartSize - 1, 1));
        var last = await UploadPartAsync(uploadId, 2, Bytes(MinimumPartSize, 2));

        var refused = await CompleteAsync(uploadId, (1, small), (2, last));

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Code.Should().Be("EntityTooSmall");
        server.Content(Bucket, Key).Should().BeNull();
        server.PendingUploads(Bucket).Should().Equal([Key], "a refused completion leaves the upload to be retried or aborted");
    }

    [Fact]
    public async Task A_completion_naming_a_wrong_etag_or_a_part_never_uploaded_is_refused_with_InvalidPart()
    {
        var uploadId = await CreateAsync();
        var first = await UploadPartAsync(uploadId, 1, Bytes(MinimumPartSize, 1));

        var wrongETag = await CompleteAsync(uploadId, (1, $"\"{new string('0', 32)}\""));
        var missingPart = await CompleteAsync(uploadId, (1, first), (2, first));

        wrongETag.Status.Should().Be(HttpStatusCode.BadRequest);
        wrongETag.Code.Should().Be("InvalidPart");
        missingPart.Code.Should().Be("InvalidPart");
        server.Content(Bucket, Key).Should().BeNull();
    }

    [Fact]
    public async Task A_completion_listing_parts_out_of_order_is_refused_with_InvalidPartOrder()
    {
        var uploadId = await CreateAsync();
        var first = await UploadPartAsync(uploadId, 1, Bytes(MinimumPartSize, 1));
        var second = await UploadPartAsync(uploadId, 2, Bytes(MinimumPartSize, 2));

        var refused = await CompleteAsync(uploadId, (2, second), (1, first));

        refused.Status.Should().Be(HttpStatusCode.BadRequest);
        refused.Code.Should().Be("InvalidPartOrder");
    }

    [Fact]
    public async Task A_completion_body_that_is_not_a_part_list_is_refused_with_MalformedXML()
    {
        var uploadId = await CreateAsync();

        var notXml = await s3.SendAsync(HttpMethod.Post, ObjectPath, Query("uploadId", uploadId), Encoding.UTF8.GetBytes("<CompleteMultipartUpload>"));
        var noParts = await CompleteAsync(uploadId);

        notXml.Code.Should().Be("MalformedXML");
        noParts.Code.Should().Be("MalformedXML");
    }

    [Fact]
    public async Task An_aborted_upload_is_gone_and_its_id_answers_NoSuchUpload()
    {
        var uploadId = await CreateAsync();
        var part = await UploadPartAsync(uploadId, 1, Bytes(10, 1));

        var aborted = await s3.SendAsync(HttpMethod.Delete, ObjectPath, Query("uploadId", uploadId));

        aborted.Status.Should().Be(HttpStatusCode.NoContent);
        server.AbortedUploads.Should().Be(1);
        server.PendingUploads(Bucket).Should().BeEmpty();
        var again = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", "2", "uploadId", uploadId), Bytes(10, 2));
        again.Status.Should().Be(HttpStatusCode.NotFound);
        again.Code.Should().Be("NoSuchUpload");
        (await CompleteAsync(uploadId, (1, part))).Code.Should().Be("NoSuchUpload");
        (await s3.SendAsync(HttpMethod.Delete, ObjectPath, Query("uploadId", uploadId))).Code.Should().Be("NoSuchUpload");
        server.Content(Bucket, Key).Should().BeNull();
    }

    [Fact]
    public async Task An_upload_id_is_valid_only_for_the_key_it_was_started_for()
    {
        var uploadId = await CreateAsync("/" + Bucket + "/other/key");

        var answer = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", "1", "uploadId", uploadId), Bytes(10, 1));

        answer.Code.Should().Be("NoSuchUpload");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10001")]
    [InlineData("one")]
    public async Task A_part_number_outside_one_to_ten_thousand_is_refused(string number)
    {
        var uploadId = await CreateAsync();

        var answer = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", number, "uploadId", uploadId), Bytes(10, 1));

        answer.Status.Should().Be(HttpStatusCode.BadRequest);
        answer.Code.Should().Be("InvalidArgument");
    }

    [Fact]
    public async Task Part_upload_faults_fail_only_part_uploads()
    {
        server.Faults.FailNextPartUploads(1, 503);
        var uploadId = await CreateAsync();

        var failed = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", "1", "uploadId", uploadId), Bytes(10, 1));
        var retried = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", "1", "uploadId", uploadId), Bytes(10, 1));

        failed.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        failed.Code.Should().Be("SlowDown");
        retried.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_part_is_checked_like_any_request_for_its_signature_and_payload_hash()
    {
        var uploadId = await CreateAsync();

        var wrongSecret = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", "1", "uploadId", uploadId), Bytes(10, 1), secret: "not-the-secret");
        var wrongHash = await s3.SendAsync(HttpMethod.Put, ObjectPath, Query("partNumber", "1", "uploadId", uploadId), Bytes(10, 1),
            payloadHash: Convert.ToHexStringLower(SHA256.HashData(Bytes(10, 2))));

        wrongSecret.Code.Should().Be("SignatureDoesNotMatch");
        wrongHash.Code.Should().Be("XAmzContentSHA256Mismatch");
        server.RejectedSignatures.Should().Be(1);
    }
}
