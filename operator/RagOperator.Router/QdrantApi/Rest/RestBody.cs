using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.Router.Api;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// A request's JSON body. It is read before the call captures its routing table, because a slow upload inside the
/// call would hold back the routing version the router reports as served; a malformed body is only reported when
/// the call reads <see cref="Root"/>, after the key and the collection name were checked, so those failures come first.
/// An empty body reads as <c>{}</c>: the call then names the fields it needs.
/// </summary>
internal sealed class RestBody : IDisposable
{
    private readonly JsonDocument? document;
    private readonly RouterError? error;

    private RestBody(JsonDocument? document, RouterError? error)
    {
        this.document = document;
        this.error = error;
    }

    /// <summary>The body's top-level object.</summary>
    /// <exception cref="RouterRequestException">The body is not JSON, or not a JSON object (400), or could not be read.</exception>
    public JsonElement Root
    {
        get
        {
            if (error is not null)
            {
                throw new RouterRequestException(error);
            }

            var root = document!.RootElement;
            return root.ValueKind == JsonValueKind.Object
                ? root
                : throw RestFields.Invalid(null, $"the request body must be a JSON object, not {RestFields.Describe(root)}");
        }
    }

    public static async Task<RestBody> ReadAsync(HttpContext http)
    {
        byte[] bytes;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            bytes = buffer.ToArray();
        }
        catch (BadHttpRequestException failure)
        {
            return new RestBody(null, new RouterError(failure.StatusCode, ErrorKinds.BadRequest, $"the request body could not be read: {failure.Message}"));
        }

        if (bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return new RestBody(JsonDocument.Parse("{}"), null);
        }

        try
        {
            return new RestBody(JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 }), null);
        }
        catch (JsonException failure)
        {
            return new RestBody(null, RouterError.BadRequest($"Format error in JSON body: the request body is not valid JSON: {failure.Message}"));
        }
    }

    /// <summary>Qdrant's <c>timeout</c> query parameter (seconds) for reads: null when absent.</summary>
    public static ulong? Timeout(HttpRequest request)
    {
        if (request.Query["timeout"].ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 1
            ? seconds
            : throw RouterRequestException.BadRequest(
                $"Query deserialize error: timeout is '{text}'; it must be a whole number of seconds, 1 or more", "timeout");
    }

    /// <summary>
    /// Qdrant's <c>wait</c> query parameter of writes: checked, then ignored, because the router answers a write only
    /// once every shard has applied it.
    /// </summary>
    public static void CheckWait(HttpRequest request)
    {
        if (request.Query["wait"].ToString() is { Length: > 0 } text && !bool.TryParse(text, out _))
        {
            throw RouterRequestException.BadRequest($"Query deserialize error: wait is '{text}'; it must be true or false", "wait");
        }
    }

    public void Dispose() => document?.Dispose();
}
