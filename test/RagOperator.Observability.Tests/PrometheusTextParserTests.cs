namespace RagOperator.Observability.Tests;

/// <summary>The parser is the judge of the exporter, so it must itself reject every kind of bad exposition.</summary>
public sealed class PrometheusTextParserTests
{
    [Fact]
    public void A_well_formed_exposition_parses_into_families_and_samples()
    {
        var text = """
            # HELP http_requests_total The total number of \\ requests.\nSecond line.
            # TYPE http_requests_total counter
            http_requests_total{code="200",method="post"} 1027 1395066363000
            http_requests_total{code="400",method="post",path="a\"b\\c\nd"} 3
            # a plain comment
            # HELP latency_seconds Latency.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{le="0.1"} 1
            latency_seconds_bucket{le="1e+00"} 2
            latency_seconds_bucket{le="+Inf"} 3
            latency_seconds_sum 2.5
            latency_seconds_count 3

            """.Replace("\r\n", "\n", StringComparison.Ordinal);

        var exposition = PrometheusTextParser.Parse(text);

        exposition.Families.Select(f => f.Name).Should().Equal("http_requests_total", "latency_seconds");
        exposition.Family("http_requests_total").Help.Should().Be("The total number of \\ requests.\nSecond line.");
        exposition.Value("http_requests_total", ("path", "a\"b\\c\nd")).Should().Be(3);
        exposition.Family("http_requests_total").Samples[0].Timestamp.Should().Be(1395066363000);
        exposition.Value("latency_seconds_count").Should().Be(3);
    }

    [Theory]
    [InlineData("no_newline 1", "line feed")]
    [InlineData("1bad_name 1\n", "metric name")]
    [InlineData("m{1a=\"x\"} 1\n", "label name")]
    [InlineData("m{__name=\"x\"} 1\n", "reserved")]
    [InlineData("m{a=\"x\\t\"} 1\n", "invalid escape")]
    [InlineData("m{a=\"x} 1\n", "unterminated")]
    [InlineData("m{a=\"x\",a=\"y\"} 1\n", "twice")]
    [InlineData("m one\n", "invalid value")]
    [InlineData("m 0x10\n", "invalid value")]
    [InlineData("m 1 12.5\n", "timestamp")]
    [InlineData("m 1\nm 2\n", "duplicate series")]
    [InlineData("# TYPE m gauge\n# TYPE m gauge\nm 1\n", "second TYPE")]
    [InlineData("# HELP m a\n# HELP m b\n# TYPE m gauge\nm 1\n", "second HELP")]
    [InlineData("# HELP m a\\x\n# TYPE m gauge\nm 1\n", "invalid escape")]
    [InlineData("# TYPE m wibble\nm 1\n", "unknown type")]
    [InlineData("# HELP a a\n# TYPE a gauge\na 1\n# HELP b b\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n", "one group")]
    [InlineData("# HELP m m\n# TYPE m gauge\nm 1\n# TYPE m gauge\n", "second TYPE")]
    [InlineData("# HELP c c\n# TYPE c counter\nc -1\n", "counter sample")]
    [InlineData("m 1\n", "HELP or TYPE")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not increasing")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf bucket")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", "differs from _count")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "one _sum")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"1\"} 1\nh_count 1\n", "only on buckets")]
    public void Every_rule_violation_is_rejected(string text, string reason)
    {
        var parse = () => PrometheusTextParser.Parse(text);

        parse.Should().Throw<FormatException>().WithMessage($"*{reason}*");
    }
}
