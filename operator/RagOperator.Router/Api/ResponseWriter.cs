using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using RagOperator.Router.Search;
using RagOperator.Router.Writes;
using RagOperator.Routing;

namespace RagOperator.Router.Api;

/// <summary>Writes the router's JSON responses (snake_case, as Qdrant's API) by hand, in a fixed layout.</summary>
internal static class ResponseWriter
{
    public static Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = buffer.WrittenCount;
        return context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }

    public static Task ErrorAsync(HttpContext context, RouterError error)
    {
        if (error.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"rag-router\"";
        }

        if (error.Status == StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return WriteAsync(context, error.Status, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", error.Message);
            if (error.Field is null)
            {
                writer.WriteNull("field");
            }
            else
            {
                writer.WriteString("field", error.Field);
            }

            if (error.Shards is { Count: > 0 } shards)
            {
                writer.WriteStartArray("shards");
                foreach (var shard in shards)
                {
                    writer.WriteNumberValue(shard);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        });
    }

    public static void SearchBody(Utf8JsonWriter writer, SearchOutcome outcome, IReadOnlyList<SearchQuery> queries, bool batch)
    {
        writer.WriteStartObject();
        if (batch)
        {
            writer.WriteStartArray("results");
            for (var i = 0; i < outcome.Results.Count; i++)
            {
                writer.WriteStartObject();
                Hits(writer, "result", outcome.Results[i], queries[i].WithPayload);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
        else
        {
            Hits(writer, "result", outcome.Results[0], queries[0].WithPayload);
        }

        writer.WriteBoolean("partial", outcome.Partial);
        writer.WriteStartArray("missing_shards");
        foreach (var missing in outcome.Missing)
        {
            writer.WriteNumberValue(missing.ShardId);
        }

        writer.WriteEndArray();
        if (outcome.Partial)
        {
            writer.WriteStartArray("missing_reasons");
            foreach (var missing in outcome.Missing)
            {
                writer.WriteStartObject();
                writer.WriteNumber("shard", missing.ShardId);
                writer.WriteString("reason", missing.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteNumber("routing_version", outcome.RoutingVersion);
        writer.WriteEndObject();
    }

    public static void WriteAcknowledged(Utf8JsonWriter writer, WriteOutcome outcome)
    {
        writer.WriteStartObject();
        writer.WriteString("status", "acknowledged");
        writer.WriteNumber("count", outcome.Count);
        writer.WriteNumber("routing_version", outcome.RoutingVersion);
        writer.WriteEndObject();
    }

    private static void Hits(Utf8JsonWriter writer, string name, IReadOnlyList<ShardHit<JsonObject?>> hits, bool withPayload)
    {
        writer.WriteStartArray(name);
        foreach (var hit in hits)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("id");
            hit.Id.WriteTo(writer);

            // Qdrant scores are 32-bit floats; writing them as such keeps the shortest exact text.
            writer.WriteNumber("score", (float)hit.Score);
            writer.WriteNumber("shard", hit.Shard);
            if (withPayload)
            {
                writer.WritePropertyName("payload");
                if (hit.Payload is null)
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                else
                {
                    hit.Payload.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
