using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// The router's Qdrant-compatible REST face, on the same port as its <c>/v1</c> API: Qdrant 1.19's paths, bodies and
/// replies for the router's one collection, so Qdrant's REST clients work by changing their URL. Every call runs the
/// core the gRPC face runs (<see cref="QdrantFace"/>): JSON is read into Qdrant's gRPC messages and the answers are
/// written back in Qdrant's REST shapes. Authentication is Qdrant's <c>api-key</c> header (or a bearer token), except
/// for <c>GET /</c>, which Qdrant also answers without one.
/// </summary>
public static class QdrantRestEndpoints
{
    public static void MapQdrantRest(this WebApplication app)
    {
        var calls = new RestCalls(app.Services.GetRequiredService<QdrantFace>());
        app.MapGet("/", (HttpContext http) => RestReplies.WriteAsync(http, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("title", QdrantCollectionView.Title);
            writer.WriteString("version", QdrantCollectionView.CompatibleVersion);
            writer.WriteEndObject();
        }));
        QdrantRestCollections.Map(app, calls);
        QdrantRestPoints.Map(app, calls);
    }
}
