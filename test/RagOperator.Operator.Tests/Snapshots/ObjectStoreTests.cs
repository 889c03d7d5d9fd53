using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using RagOperator.InProcess.S3;
using RagOperator.Storage;
using RagOperator.Storage.FileSystem;
using RagOperator.Storage.S3;
using RagOperator.Storage.Signing;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

/// <summary>The same contract for both stores: a directory (a mounted PVC) and an S3 bucket (the in-process S3 server).</summary>
public sealed class ObjectStoreTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("object-store-tests-").FullName;
    private static readonly HttpClient Http = new();
    private InProcessS3Server s3 = null!;

    public async Task InitializeAsync() => s3 = await InProcessS3Server.StartAsync(new InProcessS3Options { Buckets = ["backups"], MaxKeys = 2 });

    public async Task DisposeAsync()
    {
        await s3.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    public static TheoryData<string> Stores => new() { "file", "s3" };

    private IObjectStore Store(string kind, string? secret = null, TimeProvider? time = null) => kind == "file"
        ? new FileSystemObjectStore(directory)
        : new S3ObjectStore(Http, new S3Options
        {
            Endpoint = s3.BaseUri,
            Bucket = "backups",
            Prefix = "team-a/",
            Region = s3.Region,
            Credentials = new SigV4Credentials(s3.AccessKeyId, secret ?? s3.SecretAccessKey),
            Time = time ?? TimeProvider.System,
        });

    private static (MemoryStream Stream, long Length, string Sha) Content(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return (new MemoryStream(bytes), bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static async Task<string> ReadAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, CancellationToken.None);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Objects_are_written_read_listed_in_key_order_and_deleted(string kind)
    {
        var store = Store(kind);
        foreach (var key in new[] { "ns/docs/b/shard-1.snapshot", "ns/docs/a/shard-0.snapshot", "ns/docs/b/manifest.json", "ns/other/x" })
        {
            var (stream, length, sha) = Content("content of " + key);
            await store.PutAsync(key, stream, length, sha, CancellationToken.None);
        }

        (await ReadAsync(store, "ns/docs/b/manifest.json")).Should().Be("content of ns/docs/b/manifest.json");
        var listed = await store.ListAsync("ns/docs/", CancellationToken.None);
        listed.Select(o => o.Key).Should().Equal("ns/docs/a/shard-0.snapshot", "ns/docs/b/manifest.json", "ns/docs/b/shard-1.snapshot");
        listed[0].Size.Should().Be("content of ns/docs/a/shard-0.snapshot".Length);

        await store.DeleteAsync("ns/docs/b/manifest.json", CancellationToken.None);
        await store.DeleteAsync("ns/docs/never-there", CancellationToken.None);
        (await store.ListAsync("ns/docs/b/", CancellationToken.None)).Select(o => o.Key).Should().Equal("ns/docs/b/shard-1.snapshot");
        var missing = () => store.OpenReadAsync("ns/docs/b/manifest.json", CancellationToken.None);
        await missing.Should().ThrowAsync<ObjectNotFoundException>();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Content_that_does_not_match_its_checksum_is_refused_and_leaves_no_object(string kind)
    {
        var store = Store(kind);
        var (stream, length, _) = Content("the real bytes");

        var act = () => store.PutAsync("ns/corrupt", stream, length, new string('0', 64), CancellationToken.None);

        await act.Should().ThrowAsync<ObjectStoreException>();
        (await store.ListAsync("ns/", CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task S3_objects_live_under_the_prefix_and_keys_are_sent_path_style()
    {
        var (stream, length, sha) = Content("x");
        await Store("s3").PutAsync("ns/docs/file", stream, length, sha, CancellationToken.None);

        s3.Keys("backups").Should().Equal("team-a/ns/docs/file");
        s3.RejectedSignatures.Should().Be(0);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_rejected_by_the_signature_check()
    {
        var act = () => Store("s3", secret: "not-the-secret").ListAsync("", CancellationToken.None);

        (await act.Should().ThrowAsync<ObjectStoreException>()).Which.Message.Should().Contain("SignatureDoesNotMatch");
        s3.RejectedSignatures.Should().Be(1);
    }

    [Fact]
    public async Task A_request_signed_with_a_skewed_clock_is_refused()
    {
        var act = () => Store("s3", time: new ManualTime(DateTimeOffset.UtcNow.AddHours(-1))).ListAsync("", CancellationToken.None);

        (await act.Should().ThrowAsync<ObjectStoreException>()).Which.Message.Should().Contain("RequestTimeTooSkewed");
    }

    [Fact]
    public async Task Server_errors_from_s3_are_transient_and_the_next_request_succeeds()
    {
        var store = Store("s3");
        s3.Faults.FailNext(1, 503);

        var act = () => store.ListAsync("", CancellationToken.None);

        (await act.Should().ThrowAsync<ObjectStoreException>()).Which.IsTransient.Should().BeTrue();
        (await store.ListAsync("", CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_listing_longer_than_one_page_is_followed_through_continuation_tokens()
    {
        var store = Store("s3");
        for (var i = 0; i < 5; i++)
        {
            var (stream, length, sha) = Content(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await store.PutAsync($"p/{i}", stream, length, sha, CancellationToken.None);
        }

        (await store.ListAsync("p/", CancellationToken.None)).Select(o => o.Key).Should().Equal("p/0", "p/1", "p/2", "p/3", "p/4");
    }

    public static TheoryData<string, string?> KeyCases => new()
    {
        { "a/b/c.snapshot", null },
        { "a", null },
        { "", "the key is empty" },
        { "/a", "has an empty segment" },
        { "a//b", "has an empty segment" },
        { "a/../b", "has a . or .. segment" },
        { "a b", "has the character ' '" },
    };

    [Theory]
    [MemberData(nameof(KeyCases))]
    public void Keys_are_relative_paths_of_safe_characters(string key, string? problem)
    {
        if (problem is null) ObjectKeys.Problem(key).Should().BeNull();
        else ObjectKeys.Problem(key).Should().Contain(problem);
    }
}
