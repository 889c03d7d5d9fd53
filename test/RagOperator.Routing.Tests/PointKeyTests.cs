using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class PointKeyTests
{
    [Theory]
    [InlineData("0", "0", PointKeyKind.Integer)]
    [InlineData("7", "7", PointKeyKind.Integer)]
    [InlineData("18446744073709551615", "18446744073709551615", PointKeyKind.Integer)]
    [InlineData("550e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000", PointKeyKind.Uuid)]
    [InlineData("550E8400-E29B-41D4-A716-446655440000", "550e8400-e29b-41d4-a716-446655440000", PointKeyKind.Uuid)]
    [InlineData("550e8400E29B41d4a716446655440000", "550e8400-e29b-41d4-a716-446655440000", PointKeyKind.Uuid)]
    [InlineData("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000", PointKeyKind.Uuid)]
    public void Parse_canonicalises_integers_and_uuids(string input, string canonical, PointKeyKind kind)
    {
        var key = PointKey.Parse(input);

        key.Canonical.Should().Be(canonical);
        key.Kind.Should().Be(kind);
        key.ToString().Should().Be(canonical);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(null, "empty")]
    [InlineData("-1", "negative")]
    [InlineData("+5", "sign")]
    [InlineData("007", "leading zeros; the canonical form is '7'")]
    [InlineData("00", "the canonical form is '0'")]
    [InlineData("18446744073709551616", "exceeds the largest unsigned 64-bit integer")]
    [InlineData("99999999999999999999999", "exceeds")]
    [InlineData(" 5", "whitespace")]
    [InlineData("5 ", "whitespace")]
    [InlineData("1.5", "neither an unsigned 64-bit integer nor a UUID")]
    [InlineData("abc", "neither an unsigned 64-bit integer nor a UUID")]
    [InlineData("550e8400-e29b-41d4-a716-44665544000", "neither")]
    [InlineData("550e8400-e29b-41d4-a716-4466554400000", "neither")]
    [InlineData("550e8400-e29b-41d4-a716-44665544000g", "neither")]
    [InlineData("{550e8400-e29b-41d4-a716-446655440000}", "braces")]
    [InlineData("urn:uuid:550e8400-e29b-41d4-a716-446655440000", "URN")]
    public void TryParse_rejects_malformed_ids_with_a_message_naming_the_problem(string? input, string expected)
    {
        PointKey.TryParse(input, out _, out var error).Should().BeFalse();
        error.Should().Contain(expected);
        FluentActions.Invoking(() => PointKey.Parse(input)).Should().Throw<FormatException>().WithMessage($"*{expected}*");
    }

    [Theory]
    [InlineData("42", "42", PointKeyKind.Integer)]
    [InlineData("0", "0", PointKeyKind.Integer)]
    [InlineData("18446744073709551615", "18446744073709551615", PointKeyKind.Integer)]
    [InlineData("\"550E8400-E29B-41D4-A716-446655440000\"", "550e8400-e29b-41d4-a716-446655440000", PointKeyKind.Uuid)]
    public void FromJson_reads_ids_as_Qdrant_sends_them(string json, string canonical, PointKeyKind kind)
    {
        using var document = JsonDocument.Parse(json);

        var key = PointKey.FromJson(document.RootElement);

        key.Canonical.Should().Be(canonical);
        key.Kind.Should().Be(kind);
    }

    [Theory]
    [InlineData("-3", "negative")]
    [InlineData("1.5", "not an integer")]
    [InlineData("1e3", "not an integer")]
    [InlineData("18446744073709551616", "exceeds")]
    [InlineData("\"42\"", "string of digits")]
    [InlineData("\"not-a-uuid\"", "neither")]
    [InlineData("\"\"", "empty")]
    [InlineData("null", "not a JSON null")]
    [InlineData("true", "not a JSON true")]
    [InlineData("[1]", "not a JSON array")]
    public void FromJson_rejects_ids_Qdrant_would_reject(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        PointKey.TryFromJson(document.RootElement, out _, out var error).Should().BeFalse();
        error.Should().Contain(expected);
    }

    [Fact]
    public void WriteTo_round_trips_through_FromJson()
    {
        foreach (var key in new[] { PointKey.FromUlong(ulong.MaxValue), PointKey.FromGuid(Guid.NewGuid()), PointKey.FromUlong(0) })
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                key.WriteTo(writer);
            }

            using var document = JsonDocument.Parse(stream.ToArray());
            PointKey.FromJson(document.RootElement).Should().Be(key);
        }
    }

    [Fact]
    public void Ordering_puts_integers_first_in_numeric_order_then_uuids()
    {
        var keys = new[] { "9", "10", "ffffffff-0000-0000-0000-000000000000", "0", "00000000-0000-0000-0000-000000000001" }
            .Select(PointKey.Parse).ToList();

        keys.Sort();

        keys.Select(k => k.Canonical).Should().Equal("0", "9", "10", "00000000-0000-0000-0000-000000000001", "ffffffff-0000-0000-0000-000000000000");
    }

    [Fact]
    public void Equal_ids_written_differently_are_one_key()
    {
        var upper = PointKey.Parse("550E8400-E29B-41D4-A716-446655440000");
        var plain = PointKey.Parse("550e8400e29b41d4a716446655440000");

        upper.Should().Be(plain);
        upper.GetHashCode().Should().Be(plain.GetHashCode());
        upper.Hash().Should().Be(plain.Hash());
        upper.AsGuid.Should().Be(Guid.Parse("550e8400-e29b-41d4-a716-446655440000"));
    }

    [Fact]
    public void A_default_key_refuses_to_be_used()
    {
        FluentActions.Invoking(() => default(PointKey).Canonical).Should().Throw<InvalidOperationException>();
    }
}
