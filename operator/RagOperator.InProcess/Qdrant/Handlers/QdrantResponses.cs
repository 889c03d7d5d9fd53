using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>Qdrant's reply envelopes and the JSON shapes of records, scored points and update results.</summary>
internal static class QdrantResponses
{
    public static Task WriteResultAsync(HttpContext context, double seconds, Action<Utf8JsonWriter> writeResult) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("result");
            writeResult(writer);
            writer.WriteString("status", "ok");
            writer.WriteNumber("time", seconds);
            writer.WriteEndObject();
        });

    public static Task WriteErrorAsync(HttpContext context, int statusCode, string message, double seconds) =>
        WriteJsonAsync(context, statusCode, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("status");
            writer.WriteString("error", message);
            writer.WriteEndObject();
            writer.WriteNumber("time", seconds);
            writer.WriteEndObject();
        });

    public static async Task WriteJsonAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false }))
        {
            write(writer);
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static async Task WriteTextAsync(HttpContext context, int statusCode, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public static void WriteUpdateResult(Utf8JsonWriter writer, ulong operationId, bool wait)
    {
        writer.WriteStartObject();
        writer.WriteNumber("operation_id", operationId);
        // The server applies every write before replying; "acknowledged" is what Qdrant says when not asked to wait.
        writer.WriteString("status", wait ? "completed" : "acknowledged");
        writer.WriteEndObject();
    }

    /// <summary>Qdrant's <c>Record</c>; payload and vector are left out when not requested, as Qdrant does.</summary>
    public static void WriteRecord(Utf8JsonWriter writer, PointView point, PayloadSelection payload)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("id");
        point.Id.Write(writer);
        WritePayloadAndVector(writer, point.Payload, payload, point.Vectors);
        writer.WriteEndObject();
    }

    public static void WriteScoredPoint(Utf8JsonWriter writer, ScoredView point, PayloadSelection payload)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("id");
        point.Id.Write(writer);
        writer.WriteNumber("version", point.Version);
        writer.WriteNumber("score", point.Score);
        WritePayloadAndVector(writer, point.Payload, payload, point.Vectors);
        writer.WriteEndObject();
    }

    private static void WritePayloadAndVector(Utf8JsonWriter writer, PayloadObject stored, PayloadSelection selection, PointVectors? vectors)
    {
        if (selection.Enabled)
        {
            writer.WritePropertyName("payload");
            (selection.Keys is null ? stored : stored.Select(selection.Keys, selection.Exclude)).Write(writer);
        }

        if (vectors is null)
        {
            return;
        }

        writer.WritePropertyName("vector");
        if (vectors.IsPlainUnnamed)
        {
            // Qdrant writes a point whose only vector is the unnamed one in the plain array form.
            WriteDense(writer, vectors.Dense[string.Empty]);
            return;
        }

        writer.WriteStartObject();
        foreach (var name in vectors.Names)
        {
            writer.WritePropertyName(name);
            if (vectors.Dense.TryGetValue(name, out var dense))
            {
                WriteDense(writer, dense);
            }
            else
            {
                var sparse = vectors.Sparse[name];
                writer.WriteStartObject();
                writer.WriteStartArray("indices");
                foreach (var index in sparse.Indices)
                {
                    writer.WriteNumberValue(index);
                }

                writer.WriteEndArray();
                writer.WritePropertyName("values");
                WriteDense(writer, sparse.Values);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteDense(Utf8JsonWriter writer, float[] vector)
    {
        writer.WriteStartArray();
        foreach (var component in vector)
        {
            writer.WriteNumberValue(component);
        }

        writer.WriteEndArray();
    }
}
