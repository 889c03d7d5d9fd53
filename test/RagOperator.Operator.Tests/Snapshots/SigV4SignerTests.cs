using FluentAssertions;
using RagOperator.Storage.Signing;
using Xunit;

namespace RagOperator.Operator.Tests.Snapshots;

/// <summary>The signer against AWS's published examples (the SigV4 test suite and the S3 API reference).</summary>
public sealed class SigV4SignerTests
{
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset S3Time = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_get_vanilla_request_of_the_aws_test_suite_signs_to_the_published_signature()
    {
        var request = new SigV4Request("GET", "/", [],
            [new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")], SigV4Signer.EmptyPayloadHash);
        var credentials = new SigV4Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

        SigV4Signer.CanonicalRequest(request).Should().Be(
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + SigV4Signer.EmptyPayloadHash);
        SigV4Signer.StringToSign(SigV4Signer.CanonicalRequest(request), SuiteTime, "us-east-1", "service").Should().Be(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
        SigV4Signer.Authorization(request, credentials, SuiteTime, "us-east-1", "service").Should().Be(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    [Fact]
    public void The_s3_get_object_example_signs_to_the_published_signature()
    {
        var request = new SigV4Request("GET", "/test.txt", [],
        [
            new("Host", "examplebucket.s3.amazonaws.com"),
            new("Range", "bytes=0-9"),
            new("x-amz-content-sha256", SigV4Signer.EmptyPayloadHash),
            new("x-amz-date", "20130524T000000Z"),
        ], SigV4Signer.EmptyPayloadHash);

        SigV4Signer.StringToSign(SigV4Signer.CanonicalRequest(request), S3Time, "us-east-1", "s3").Should().EndWith(
            "\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
        SigV4Signer.Signature(request, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", S3Time, "us-east-1", "s3")
            .Should().Be("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    }

    public static TheoryData<string, bool, string> EncodingCases => new()
    {
        { "abcXYZ019-._~", true, "abcXYZ019-._~" },
        { "a b", true, "a%20b" },
        { "a/b", true, "a%2Fb" },
        { "a/b", false, "a/b" },
        { "test$file.text", false, "test%24file.text" },
        { "é", true, "%C3%A9" },
        { "a+b=c&d", true, "a%2Bb%3Dc%26d" },
    };

    [Theory]
    [MemberData(nameof(EncodingCases))]
    public void Uri_encoding_keeps_unreserved_characters_and_percent_encodes_the_rest_in_upper_case(string value, bool encodeSlash, string expected)
    {
        SigV4Signer.UriEncode(value, encodeSlash).Should().Be(expected);
    }

    [Fact]
    public void The_canonical_request_sorts_query_parameters_and_headers_and_collapses_spaces()
    {
        var request = new SigV4Request("get", "/bucket", [new("prefix", "a b"), new("list-type", "2"), new("continuation-token", "")],
            [new("X-Amz-Date", "20130524T000000Z"), new("Host", "h:9000"), new("X-Custom", "  one   two  ")], "UNSIGNED-PAYLOAD");

        SigV4Signer.CanonicalRequest(request).Should().Be(
            "GET\n/bucket\ncontinuation-token=&list-type=2&prefix=a%20b\nhost:h:9000\nx-amz-date:20130524T000000Z\nx-custom:one two\n\n" +
            "host;x-amz-date;x-custom\nUNSIGNED-PAYLOAD");
    }

    [Fact]
    public void An_authorization_header_parses_back_into_its_parts_and_garbage_does_not()
    {
        var parsed = SigV4Signer.ParseAuthorization(
            "AWS4-HMAC-SHA256 Credential=AKID/20130524/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123");

        parsed.Should().BeEquivalentTo(new SigV4Authorization("AKID", "20130524", "eu-west-1", "s3", ["host", "x-amz-date"], "abc123"));
        SigV4Signer.ParseAuthorization("Basic dXNlcjpwYXNz").Should().BeNull();
        SigV4Signer.ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKID/20130524/s3, SignedHeaders=host, Signature=x").Should().BeNull();
    }

    [Fact]
    public void Credentials_never_show_the_secret_when_printed()
    {
        new SigV4Credentials("AKID", "very-secret").ToString().Should().NotContain("very-secret").And.Contain("AKID");
    }
}
