using System.Text.Json.Nodes;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Grpc;
using RagOperator.Qdrant.Models;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Qdrant.Tests.Client;

/// <summary>The translation between the project's records and Qdrant's gRPC messages, case by case.</summary>
public sealed class GrpcMappingTests
{
    public static TheoryData<string, G.Value.KindOneofCase> PayloadValues => new()
    {
        { """{"v": 42}""", G.Value.KindOneofCase.IntegerValue },
        { """{"v": -7}""", G.Value.KindOneofCase.IntegerValue },
        { """{"v": 1.5}""", G.Value.KindOneofCase.DoubleValue },
        { """{"v": "text"}""", G.Value.KindOneofCase.StringValue },
        { """{"v": true}""", G.Value.KindOneofCase.BoolValue },
        { """{"v": null}""", G.Value.KindOneofCase.NullValue },
        { """{"v": [1, "a"]}""", G.Value.KindOneofCase.ListValue },
        { """{"v": {"nested": {"deep": 1}}}""", G.Value.KindOneofCase.StructValue },
    };

    [Theory]
    [MemberData(nameof(PayloadValues))]
    public void A_parsed_payload_value_keeps_its_kind_and_reads_back_the_same(string json, G.Value.KindOneofCase kind)
    {
        var payload = JsonNode.Parse(json)!.AsObject();
        var grpc = new G.PointStruct();

        GrpcMapping.AddPayload(grpc.Payload, payload);

        grpc.Payload["v"].KindCase.Should().Be(kind);
        GrpcMapping.FromGrpc(grpc.Payload).ToJsonString().Should().Be(payload.ToJsonString());
    }

    [Fact]
    public void Built_payload_numbers_of_any_clr_type_become_integers_or_doubles_and_read_back_as_any_numeric_type()
    {
        var payload = new JsonObject { ["cell"] = 5, ["version"] = 1L << 40, ["big"] = ulong.MaxValue, ["ratio"] = 0.25f, ["id"] = Guid.Empty };
        var grpc = new G.PointStruct();

        GrpcMapping.AddPayload(grpc.Payload, payload);
        var back = GrpcMapping.FromGrpc(grpc.Payload);

        grpc.Payload["cell"].IntegerValue.Should().Be(5);
        grpc.Payload["version"].IntegerValue.Should().Be(1L << 40);
        grpc.Payload["big"].KindCase.Should().Be(G.Value.KindOneofCase.DoubleValue, "it does not fit a signed integer");
        grpc.Payload["ratio"].DoubleValue.Should().Be(0.25);
        grpc.Payload["id"].StringValue.Should().Be(Guid.Empty.ToString("D"));
        back["cell"]!.GetValue<int>().Should().Be(5, "a payload reads back as a parsed document does");
        back["version"]!.GetValue<long>().Should().Be(1L << 40);
    }

    public static TheoryData<PayloadSelector?, string> Selectors => new()
    {
        { null, """{ "enable": false }""" },
        { PayloadSelector.All, """{ "enable": true }""" },
        { PayloadSelector.None, """{ "enable": false }""" },
        { PayloadSelector.Fields("a", "b"), """{ "include": { "fields": [ "a", "b" ] } }""" },
        { PayloadSelector.AllExcept("c"), """{ "exclude": { "fields": [ "c" ] } }""" },
    };

    [Theory]
    [MemberData(nameof(Selectors))]
    public void Payload_selectors_map_to_every_form_of_with_payload(PayloadSelector? selector, string expected) =>
        GrpcMapping.ToGrpc(selector).ToString().Should().Be(expected);

    [Fact]
    public void Point_ids_round_trip_as_numbers_and_uuids()
    {
        var uuid = Guid.Parse("550e8400-e29b-41d4-a716-446655440000");

        GrpcMapping.ToGrpc(PointId.FromNumber(7)).Num.Should().Be(7);
        GrpcMapping.ToGrpc(PointId.FromUuid(uuid)).Uuid.Should().Be("550e8400-e29b-41d4-a716-446655440000");
        GrpcMapping.FromGrpc(GrpcMapping.ToGrpc(PointId.FromUuid(uuid))).Should().Be(PointId.FromUuid(uuid));
        GrpcMapping.FromGrpc(GrpcMapping.ToGrpc(PointId.FromNumber(ulong.MaxValue))).Should().Be(PointId.FromNumber(ulong.MaxValue));
    }

    [Fact]
    public void A_filter_maps_every_condition_kind()
    {
        var filter = new Filter
        {
            Must = [Conditions.Range("_rag_v", lt: 10), Conditions.HasId([PointId.FromNumber(1)]), Conditions.Nested(Filter.All(Conditions.Match("lang", "en")))],
            Should = [Conditions.MatchAny("_rag_cell", [1L, 2L]), Conditions.Match("flag", true)],
            MustNot = [Conditions.IsEmpty("a"), Conditions.IsNull("b"), Conditions.MatchExcept("tag", ["x"])],
            MinShould = new MinShould([Conditions.Match("n", 3L)], 1),
        };

        var grpc = GrpcMapping.ToGrpc(filter);

        grpc.Must.Select(c => c.ConditionOneOfCase).Should().Equal(
            G.Condition.ConditionOneOfOneofCase.Field, G.Condition.ConditionOneOfOneofCase.HasId, G.Condition.ConditionOneOfOneofCase.Filter);
        grpc.Must[0].Field.Range.Lt.Should().Be(10);
        grpc.Must[0].Field.Range.HasGte.Should().BeFalse();
        grpc.Should[0].Field.Match.Integers.Integers.Should().Equal(1L, 2L);
        grpc.Should[1].Field.Match.Boolean.Should().BeTrue();
        grpc.MustNot[2].Field.Match.ExceptKeywords.Strings.Should().Equal("x");
        grpc.MinShould.MinCount.Should().Be(1);
    }

    [Fact]
    public void An_empty_should_clause_still_matches_nothing()
    {
        // Qdrant reads `should: []` as "no condition can hold"; a proto list cannot say empty, so the mapping says it.
        var grpc = GrpcMapping.ToGrpc(new Filter { Should = [] });

        grpc.Must.Should().ContainSingle().Which.HasId.HasId.Should().BeEmpty();
    }

    [Fact]
    public void Disabling_quantization_in_an_update_is_the_disabled_variant()
    {
        var update = GrpcCollectionMapping.ToGrpc("c", new UpdateCollectionRequest { QuantizationConfig = QuantizationConfig.Disabled });

        update.QuantizationConfig.QuantizationCase.Should().Be(G.QuantizationConfigDiff.QuantizationOneofCase.Disabled);
    }
}
