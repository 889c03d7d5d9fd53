using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Filtering;
using RagOperator.InProcess.Qdrant.Storage;
using Match = Qdrant.Client.Grpc.Match;
using Range = Qdrant.Client.Grpc.Range;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>
/// Between the gRPC messages of <c>Qdrant.Client</c> and the server's storage types. Filters are rewritten into
/// Qdrant's REST filter JSON and compiled by <see cref="FilterCompiler"/>, so both faces share one filter reader
/// and refuse the same unsupported conditions with the same words.
/// </summary>
internal static partial class GrpcTranslation
{
    public static PointKey ToKey(PointId id) => id.PointIdOptionsCase switch
    {
        PointId.PointIdOptionsOneofCase.Num => PointKey.FromNumber(id.Num),
        PointId.PointIdOptionsOneofCase.Uuid when Guid.TryParse(id.Uuid, out var uuid) => PointKey.FromUuid(uuid),
        PointId.PointIdOptionsOneofCase.Uuid => throw QdrantHttpError.BadInput($"Unable to parse UUID: {id.Uuid}"),
        _ => throw QdrantHttpError.BadInput("Malformed PointId: neither num nor uuid is set"),
    };

    public static PointId ToPointId(PointKey key) =>
        key.IsUuid ? new PointId { Uuid = key.ToGuid().ToString("D") } : new PointId { Num = (ulong)key.Value };

    public static List<PointKey> ToKeys(IEnumerable<PointId> ids) => ids.Select(ToKey).ToList();

    // ---- payloads ----

    public static PayloadObject ToPayload(IEnumerable<KeyValuePair<string, Value>> payload) =>
        PayloadObject.FromEntries(payload.Select(entry => new KeyValuePair<string, PayloadValue>(entry.Key, ToPayloadValue(entry.Value))));

    private static PayloadValue ToPayloadValue(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.BoolValue => value.BoolValue ? PayloadBool.True : PayloadBool.False,
        Value.KindOneofCase.StringValue => new PayloadString(value.StringValue),
        Value.KindOneofCase.IntegerValue => new PayloadNumber(
            value.IntegerValue.ToString(CultureInfo.InvariantCulture), value.IntegerValue, value.IntegerValue),
        // A double keeps a fractional part in its text, so it reads back over REST as a float, as Qdrant's does.
        Value.KindOneofCase.DoubleValue => new PayloadNumber(DoubleText(value.DoubleValue), value.DoubleValue, null),
        Value.KindOneofCase.ListValue => new PayloadArray(value.ListValue.Values.Select(ToPayloadValue).ToArray()),
        Value.KindOneofCase.StructValue => ToPayload(value.StructValue.Fields),
        _ => PayloadNull.Instance,
    };

    private static string DoubleText(double value)
    {
        if (!double.IsFinite(value))
        {
            throw QdrantHttpError.BadInput($"Payload number {value} is not finite");
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny(".eE") < 0 ? text + ".0" : text;
    }

    public static void AddPayload(Google.Protobuf.Collections.MapField<string, Value> target, PayloadObject stored, PayloadSelection selection)
    {
        if (!selection.Enabled)
        {
            return;
        }

        var payload = selection.Keys is null ? stored : stored.Select(selection.Keys, selection.Exclude);
        foreach (var (key, value) in payload.Entries)
        {
            target[key] = ToValue(value);
        }
    }

    private static Value ToValue(PayloadValue value)
    {
        switch (value)
        {
            case PayloadBool b:
                return new Value { BoolValue = b.Value };
            case PayloadString s:
                return new Value { StringValue = s.Value };
            case PayloadNumber { Integer: { } integer }:
                return new Value { IntegerValue = integer };
            case PayloadNumber number:
                return new Value { DoubleValue = number.Double };
            case PayloadArray array:
                var list = new ListValue();
                list.Values.AddRange(array.Items.Select(ToValue));
                return new Value { ListValue = list };
            case PayloadObject obj:
                var fields = new Struct();
                foreach (var (key, item) in obj.Entries)
                {
                    fields.Fields[key] = ToValue(item);
                }

                return new Value { StructValue = fields };
            default:
                return new Value { NullValue = NullValue.NullValue };
        }
    }

    public static PayloadSelection ToSelection(WithPayloadSelector? selector, bool defaultValue) => selector?.SelectorOptionsCase switch
    {
        WithPayloadSelector.SelectorOptionsOneofCase.Enable => selector.Enable ? PayloadSelection.All : PayloadSelection.None,
        WithPayloadSelector.SelectorOptionsOneofCase.Include =>
            new PayloadSelection(true, selector.Include.Fields.ToHashSet(StringComparer.Ordinal), Exclude: false),
        WithPayloadSelector.SelectorOptionsOneofCase.Exclude =>
            new PayloadSelection(true, selector.Exclude.Fields.ToHashSet(StringComparer.Ordinal), Exclude: true),
        _ => defaultValue ? PayloadSelection.All : PayloadSelection.None,
    };

    // ---- filters ----

    public static FilterNode? ToFilter(Filter? filter, string path)
    {
        if (filter is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteFilter(writer, filter);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return FilterCompiler.Compile(document.RootElement, path);
    }

    private static void WriteFilter(Utf8JsonWriter writer, Filter filter)
    {
        writer.WriteStartObject();
        WriteClause(writer, "must", filter.Must);
        WriteClause(writer, "should", filter.Should);
        WriteClause(writer, "must_not", filter.MustNot);
        if (filter.MinShould is { } minShould)
        {
            writer.WriteStartObject("min_should");
            WriteClause(writer, "conditions", minShould.Conditions, always: true);
            writer.WriteNumber("min_count", minShould.MinCount);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteClause(Utf8JsonWriter writer, string name, IReadOnlyCollection<Condition> conditions, bool always = false)
    {
        if (conditions.Count == 0 && !always)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var condition in conditions)
        {
            WriteCondition(writer, condition);
        }

        writer.WriteEndArray();
    }

    private static void WriteCondition(Utf8JsonWriter writer, Condition condition)
    {
        switch (condition.ConditionOneOfCase)
        {
            case Condition.ConditionOneOfOneofCase.Field:
                WriteFieldCondition(writer, condition.Field);
                return;
            case Condition.ConditionOneOfOneofCase.Filter:
                WriteFilter(writer, condition.Filter);
                return;
            case Condition.ConditionOneOfOneofCase.IsEmpty:
                WriteKeyCondition(writer, "is_empty", condition.IsEmpty.Key);
                return;
            case Condition.ConditionOneOfOneofCase.IsNull:
                WriteKeyCondition(writer, "is_null", condition.IsNull.Key);
                return;
            case Condition.ConditionOneOfOneofCase.HasId:
                writer.WriteStartObject();
                writer.WriteStartArray("has_id");
                foreach (var id in condition.HasId.HasId)
                {
                    ToKey(id).Write(writer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                return;
            case Condition.ConditionOneOfOneofCase.Nested:
                writer.WriteStartObject();
                writer.WriteStartObject("nested");
                writer.WriteString("key", condition.Nested.Key);
                writer.WritePropertyName("filter");
                WriteFilter(writer, condition.Nested.Filter ?? new Filter());
                writer.WriteEndObject();
                writer.WriteEndObject();
                return;
            case Condition.ConditionOneOfOneofCase.HasVector:
                throw QdrantHttpError.Unsupported("The has_vector condition");
            case Condition.ConditionOneOfOneofCase.Slice:
                throw QdrantHttpError.Unsupported("The slice condition");
            default:
                throw QdrantHttpError.BadInput("Malformed Condition: no condition is set");
        }
    }

    private static void WriteKeyCondition(Utf8JsonWriter writer, string kind, string key)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(kind);
        writer.WriteString("key", key);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteFieldCondition(Utf8JsonWriter writer, FieldCondition field)
    {
        if (field.GeoBoundingBox is not null || field.GeoRadius is not null || field.GeoPolygon is not null)
        {
            throw QdrantHttpError.Unsupported("Geo conditions");
        }

        if (field.ValuesCount is not null)
        {
            throw QdrantHttpError.Unsupported("The values_count condition");
        }

        if (field.DatetimeRange is not null)
        {
            throw QdrantHttpError.Unsupported("Datetime ranges");
        }

        // Newer clients may say "is empty" / "is null" as flags of a field condition.
        if (field.HasIsEmpty && field.IsEmpty && field.Match is null && field.Range is null)
        {
            WriteKeyCondition(writer, "is_empty", field.Key);
            return;
        }

        if (field.HasIsNull && field.IsNull && field.Match is null && field.Range is null)
        {
            WriteKeyCondition(writer, "is_null", field.Key);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("key", field.Key);
        if (field.Match is { } match)
        {
            writer.WritePropertyName("match");
            WriteMatch(writer, match);
        }

        if (field.Range is { } range)
        {
            writer.WritePropertyName("range");
            WriteRange(writer, range);
        }

        writer.WriteEndObject();
    }

    private static void WriteMatch(Utf8JsonWriter writer, Match match)
    {
        writer.WriteStartObject();
        switch (match.MatchValueCase)
        {
            case Match.MatchValueOneofCase.Keyword:
                writer.WriteString("value", match.Keyword);
                break;
            case Match.MatchValueOneofCase.Integer:
                writer.WriteNumber("value", match.Integer);
                break;
            case Match.MatchValueOneofCase.Boolean:
                writer.WriteBoolean("value", match.Boolean);
                break;
            case Match.MatchValueOneofCase.Keywords:
                WriteStrings(writer, "any", match.Keywords.Strings);
                break;
            case Match.MatchValueOneofCase.Integers:
                WriteIntegers(writer, "any", match.Integers.Integers);
                break;
            case Match.MatchValueOneofCase.ExceptKeywords:
                WriteStrings(writer, "except", match.ExceptKeywords.Strings);
                break;
            case Match.MatchValueOneofCase.ExceptIntegers:
                WriteIntegers(writer, "except", match.ExceptIntegers.Integers);
                break;
            case Match.MatchValueOneofCase.Text or Match.MatchValueOneofCase.TextAny or Match.MatchValueOneofCase.Phrase
                or Match.MatchValueOneofCase.Prefix or Match.MatchValueOneofCase.Substring:
                throw QdrantHttpError.Unsupported("Full-text matching");
            default:
                throw QdrantHttpError.BadInput("Malformed Match: no match value is set");
        }

        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteIntegers(Utf8JsonWriter writer, string name, IEnumerable<long> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteRange(Utf8JsonWriter writer, Range range)
    {
        writer.WriteStartObject();
        if (range.HasLt) writer.WriteNumber("lt", range.Lt);
        if (range.HasGt) writer.WriteNumber("gt", range.Gt);
        if (range.HasLte) writer.WriteNumber("lte", range.Lte);
        if (range.HasGte) writer.WriteNumber("gte", range.Gte);
        writer.WriteEndObject();
    }
}
