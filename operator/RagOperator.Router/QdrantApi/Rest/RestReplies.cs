using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.Router.Api;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST reply envelopes: <c>{"result": .., "status": "ok", "time": seconds}</c> on success and
/// <c>{"status": {"error": message}, "time": seconds}</c> with the failure's HTTP status otherwise.
/// </summary>
internal static class RestReplies
{
    public static Task ResultAsync(HttpContext http, long started, Action<Utf8JsonWriter> result) =>
        WriteAsync(http, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("result");
            result(writer);
            writer.WriteString("status", "ok");
            writer.WriteNumber("time", Stopwatch.GetElapsedTime(started).TotalSeconds);
            writer.WriteEndObject();
        });

    public static Task ErrorAsync(HttpContext http, long started, RouterError error)
    {
        if (error.Status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"rag-router\"";
        }

        if (error.Status == StatusCodes.Status429TooManyRequests)
        {
            http.Response.Headers.RetryAfter = "1";
        }

        return WriteAsync(http, error.Status, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("status");
            writer.WriteString("error", error.Message);
            writer.WriteEndObject();
            writer.WriteNumber("time", Stopwatch.GetElapsedTime(started).TotalSeconds);
            writer.WriteEndObject();
        });
    }

    /// <summary>A bare JSON document (Qdrant's <c>GET /</c> has no envelope).</summary>
    public static Task WriteAsync(HttpContext http, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body(writer);
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.WrittenCount;
        return http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).AsTask();
    }
}
