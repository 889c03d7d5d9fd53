using System.Text.Json;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class PointIdTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("42")]
    [InlineData("18446744073709551615")]
    [InlineData("550e8400-e29b-41d4-a716-446655440000")]
    public void The_canonical_form_round_trips(string canonical)
    {
        PointId.Parse(canonical).ToString().Should().Be(canonical);
    }

    [Fact]
    public void Uuids_are_canonicalised_to_lower_case_hyphenated()
    {
        PointId.Parse("550E8400E29B41D4A716446655440000").ToString().Should().Be("550e8400-e29b-41d4-a716-446655440000");
        PointId.Parse("{550E8400-E29B-41D4-A716-446655440000}").Should().Be(PointId.Parse("550e8400-e29b-41d4-a716-446655440000"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("18446744073709551616")]
    [InlineData("1.5")]
    [InlineData("not-an-id")]
    public void Text_that_is_neither_an_unsigned_integer_nor_a_uuid_is_rejected(string text)
    {
        PointId.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void Json_uses_a_number_for_integers_and_a_string_for_uuids()
    {
        var ids = new[] { PointId.FromNumber(7), PointId.FromUuid(Guid.Parse("550e8400-e29b-41d4-a716-446655440000")) };

        var json = JsonSerializer.Serialize(ids, QdrantJson.Options);

        json.Should().Be("""[7,"550e8400-e29b-41d4-a716-446655440000"]""");
        JsonSerializer.Deserialize<PointId[]>(json, QdrantJson.Options).Should().Equal(ids);
    }

    [Theory]
    [InlineData("-3")]
    [InlineData("1.5")]
    [InlineData("\"abc\"")]
    [InlineData("true")]
    public void Json_that_is_not_an_id_fails_to_deserialize(string json)
    {
        var act = () => JsonSerializer.Deserialize<PointId>(json, QdrantJson.Options);

        act.Should().Throw<JsonException>();
    }

    [Fact]
    public void Integers_sort_before_uuids_and_uuids_sort_by_their_bytes()
    {
        // Guid.CompareTo would put this pair the other way round: it compares the first group as a little-endian int.
        var low = PointId.Parse("00000001-ff00-0000-0000-000000000000");
        var high = PointId.Parse("01000000-0000-0000-0000-000000000000");
        var ids = new[] { high, PointId.FromNumber(ulong.MaxValue), low, PointId.FromNumber(3) };

        ids.Order().Should().Equal(PointId.FromNumber(3), PointId.FromNumber(ulong.MaxValue), low, high);
        ids.Order().Select(id => id.ToString()).Skip(2).Should().BeInAscendingOrder(StringComparer.Ordinal);
    }

    [Fact]
    public void Accessing_the_wrong_kind_throws()
    {
        var act = () => PointId.FromNumber(1).Uuid;

        act.Should().Throw<InvalidOperationException>();
    }
}
