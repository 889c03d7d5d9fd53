using System.Text.Json;
using Google.Protobuf.Collections;
using RagOperator.Qdrant.Grpc;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST shapes of the core's answers: <c>ScoredPoint</c>, <c>Record</c>, <c>ScrollResult</c> and
/// <c>UpdateResult</c>. A <c>payload</c> is written when the request asked for one (gRPC cannot tell "not asked" from
/// "empty", so the request decides), a <c>vector</c> when the point carries one; ids as numbers or UUID strings.
/// </summary>
internal static class RestPoints
{
    public static void Scored(Utf8JsonWriter writer, IEnumerable<G.ScoredPoint> points, bool withPayload)
    {
        writer.WriteStartArray();
        foreach (var point in points)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("id");
            Id(writer, point.Id);
            writer.WriteNumber("version", point.Version);
            writer.WriteNumber("score", point.Score);
            Contents(writer, point.Payload, point.Vectors, withPayload);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The query API's <c>QueryResponse</c>: <c>{"points": [ScoredPoint]}</c>.</summary>
    public static void QueryResponse(Utf8JsonWriter writer, IEnumerable<G.ScoredPoint> points, bool withPayload)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("points");
        Scored(writer, points, withPayload);
        writer.WriteEndObject();
    }

    public static void Records(Utf8JsonWriter writer, IEnumerable<G.RetrievedPoint> points, bool withPayload)
    {
        writer.WriteStartArray();
        foreach (var point in points)
        {
            Record(writer, point, withPayload);
        }

        writer.WriteEndArray();
    }

    public static void Record(Utf8JsonWriter writer, G.RetrievedPoint point, bool withPayload)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("id");
        Id(writer, point.Id);
        Contents(writer, point.Payload, point.Vectors, withPayload);
        writer.WriteEndObject();
    }

    public static void Scroll(Utf8JsonWriter writer, G.ScrollResponse page, bool withPayload)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("points");
        Records(writer, page.Result, withPayload);
        writer.WritePropertyName("next_page_offset");
        if (page.NextPageOffset is { } next)
        {
            Id(writer, next);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndObject();
    }

    public static void Update(Utf8JsonWriter writer, G.UpdateResult result)
    {
        writer.WriteStartObject();
        if (result.HasOperationId)
        {
            writer.WriteNumber("operation_id", result.OperationId);
        }

        writer.WriteString("status", result.Status switch
        {
            G.UpdateStatus.Acknowledged => "acknowledged",
            G.UpdateStatus.WaitTimeout => "wait_timeout",
            _ => "completed",
        });
        writer.WriteEndObject();
    }

    public static void Id(Utf8JsonWriter writer, G.PointId id)
    {
        if (id.PointIdOptionsCase == G.PointId.PointIdOptionsOneofCase.Uuid)
        {
            writer.WriteStringValue(id.Uuid);
        }
        else
        {
            writer.WriteNumberValue(id.Num);
        }
    }

    private static void Contents(Utf8JsonWriter writer, MapField<string, G.Value> payload, G.VectorsOutput? vectors, bool withPayload)
    {
        if (withPayload)
        {
            writer.WriteStartObject("payload");
            foreach (var (key, value) in payload)
            {
                writer.WritePropertyName(key);
                GrpcMapping.Write(writer, value);
            }

            writer.WriteEndObject();
        }

        switch (vectors?.VectorsOptionsCase)
        {
            case G.VectorsOutput.VectorsOptionsOneofCase.Vector:
                writer.WritePropertyName("vector");
                Vector(writer, vectors.Vector);
                break;
            case G.VectorsOutput.VectorsOptionsOneofCase.Vectors:
                writer.WriteStartObject("vector");
                foreach (var (name, vector) in vectors.Vectors.Vectors)
                {
                    writer.WritePropertyName(name);
                    Vector(writer, vector);
                }

                writer.WriteEndObject();
                break;
        }
    }

    private static void Vector(Utf8JsonWriter writer, G.VectorOutput vector)
    {
        writer.WriteStartArray();
        foreach (var component in vector.GetDenseVector()?.Data ?? [])
        {
            writer.WriteNumberValue(component);
        }

        writer.WriteEndArray();
    }
}
