using System.Text.Json;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class FilterJsonTests
{
    [Fact]
    public void Filters_serialize_to_qdrants_condition_union()
    {
        var filter = new Filter
        {
            Must =
            [
                Conditions.MatchAny("_rag_cell", [1, 2, 2]),
                Conditions.Range("_rag_v", lt: 5),
                Conditions.Nested(Filter.Any(Conditions.Match("lang", "en"), Conditions.Match("flag", true))),
            ],
            MustNot = [Conditions.HasId([PointId.FromNumber(3)]), Conditions.IsEmpty("title"), Conditions.IsNull("x")],
            MinShould = new MinShould([Conditions.MatchExcept("t", ["a"])], 1),
        };

        var json = JsonSerializer.Serialize(filter, QdrantJson.Options);

        const string expected =
            """{"must":[{"key":"_rag_cell","match":{"any":[1,2]}},{"key":"_rag_v","range":{"lt":5}},{"should":[{"key":"lang","match":{"value":"en"}},{"key":"flag","match":{"value":true}}]}],"must_not":[{"has_id":[3]},{"is_empty":{"key":"title"}},{"is_null":{"key":"x"}}],"min_should":{"conditions":[{"key":"t","match":{"except":["a"]}}],"min_count":1}}""";
        json.Should().Be(expected);
    }

    [Fact]
    public void Filters_read_back_from_qdrant_json_including_single_condition_clauses()
    {
        const string json = """
            {"must": {"key": "k", "match": {"value": 3}},
             "should": [{"nested": {"key": "items", "filter": {"must": [{"key": "v", "range": {"gte": 1.5}}]}}}, {"must_not": [{"has_id": ["550e8400-e29b-41d4-a716-446655440000"]}]}]}
            """;

        var filter = JsonSerializer.Deserialize<Filter>(json, QdrantJson.Options)!;

        filter.Must.Should().ContainSingle().Which.Should().BeOfType<FieldCondition>()
            .Which.Match!.Integer.Should().Be(3);
        var nested = filter.Should.Should().HaveCount(2).And.Subject.First().Should().BeOfType<NestedCondition>().Subject;
        nested.Key.Should().Be("items");
        ((FieldCondition)nested.Filter.Must![0]).Range!.Gte.Should().Be(1.5);
        var inner = filter.Should![1].Should().BeOfType<FilterCondition>().Subject.Filter;
        ((HasIdCondition)inner.MustNot![0]).HasId.Should().Equal(PointId.Parse("550e8400-e29b-41d4-a716-446655440000"));
        JsonSerializer.Serialize(JsonSerializer.Deserialize<Filter>(JsonSerializer.Serialize(filter, QdrantJson.Options), QdrantJson.Options), QdrantJson.Options)
            .Should().Be(JsonSerializer.Serialize(filter, QdrantJson.Options), "serialisation is stable");
    }

    [Fact]
    public void A_filter_with_an_unknown_key_is_rejected_like_qdrant_does()
    {
        var act = () => JsonSerializer.Deserialize<Filter>("""{"musts": []}""", QdrantJson.Options);

        act.Should().Throw<JsonException>().WithMessage("*musts*");
    }
}
