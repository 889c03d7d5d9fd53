using System.Text.Json;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST vector forms read into their gRPC messages: a point's <c>vector</c> (<c>VectorStruct</c>), a query's
/// <c>query</c> (<c>QueryInterface</c>) and a search's <c>vector</c> (<c>NamedVectorStruct</c>). Every form Qdrant 1.19
/// defines is recognised and carried into the message, so the core decides what is served (one unnamed dense vector)
/// and words each refusal; only a value of no form at all is refused here.
/// </summary>
internal static class RestVectors
{
    /// <summary>A point's vector: dense, multi-dense, a map of named vectors, or an inference object.</summary>
    public static G.Vectors PointVectors(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Object when IsInference(value) => new G.Vectors { Vector = Vector(value, field) },
        JsonValueKind.Object => Named(value, field),
        _ => new G.Vectors { Vector = Vector(value, field) },
    };

    /// <summary>One vector (<c>Vector</c>): dense, sparse, multi-dense, or an inference object.</summary>
    public static G.Vector Vector(JsonElement value, string field)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array when IsMulti(value):
                return new G.Vector { MultiDense = Multi(value, field) };
            case JsonValueKind.Array:
                return new G.Vector { Dense = new G.DenseVector { Data = { RestFields.Floats(value, field) } } };
            case JsonValueKind.Object when RestFields.Has(value, "indices"):
                return new G.Vector { Sparse = Sparse(value, field) };
            case JsonValueKind.Object when RestFields.Has(value, "text"):
                return new G.Vector { Document = new G.Document { Text = RestFields.Text(value, "text", RestFields.Path(field, "text")) ?? "" } };
            case JsonValueKind.Object when RestFields.Has(value, "image"):
                return new G.Vector { Image = new G.Image() };
            case JsonValueKind.Object when RestFields.Has(value, "object"):
                return new G.Vector { Object = new G.InferenceObject() };
            default:
                throw RestFields.Invalid(field, $"{field} must be a vector (an array of numbers), not {RestFields.Describe(value)}");
        }
    }

    /// <summary>A query's <c>query</c>: a vector input (nearest), or one of Qdrant's query objects.</summary>
    public static G.Query Query(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Object || IsInference(value) || RestFields.Has(value, "indices"))
        {
            return new G.Query { Nearest = Input(value, field) };
        }

        if (RestFields.Has(value, "nearest"))
        {
            var nearest = Input(RestFields.Optional(value, "nearest"), RestFields.Path(field, "nearest"));
            return RestFields.Has(value, "mmr")
                ? new G.Query { NearestWithMmr = new G.NearestInputWithMmr { Nearest = nearest, Mmr = new G.Mmr() } }
                : new G.Query { Nearest = nearest };
        }

        // The query kinds the router does not serve: their contents do not matter to the refusal, only their kind.
        foreach (var property in value.EnumerateObject())
        {
            G.Query? query = property.Name switch
            {
                "recommend" => new G.Query { Recommend = new G.RecommendInput() },
                "discover" => new G.Query { Discover = new G.DiscoverInput() },
                "context" => new G.Query { Context = new G.ContextInput() },
                "order_by" => new G.Query { OrderBy = new G.OrderBy() },
                "fusion" => new G.Query { Fusion = G.Fusion.Rrf },
                "rrf" => new G.Query { Rrf = new G.Rrf() },
                "formula" => new G.Query { Formula = new G.Formula() },
                "sample" => new G.Query { Sample = G.Sample.Random },
                "relevance_feedback" => new G.Query { RelevanceFeedback = new G.RelevanceFeedbackInput() },
                _ => null,
            };
            if (query is not null)
            {
                return query;
            }
        }

        throw RestFields.Invalid(field,
            $"{field} is neither a vector nor a query Qdrant 1.19 defines (nearest, recommend, discover, context, order_by, fusion, rrf, formula, sample, relevance_feedback)");
    }

    /// <summary>
    /// The legacy search's <c>vector</c>: an array, or <c>{"name": .., "vector": ..}</c> for a named (possibly sparse) one,
    /// set on <paramref name="search"/>.
    /// </summary>
    public static void SearchVector(G.SearchPoints search, JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            search.Vector.Add(RestFields.Floats(value, field));
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw RestFields.Invalid(field, $"{field} must be an array of numbers or {{\"name\": .., \"vector\": ..}}, not {RestFields.Describe(value)}");
        }

        if (RestFields.Text(value, "name", RestFields.Path(field, "name")) is { } name)
        {
            search.VectorName = name;
        }

        var at = RestFields.Path(field, "vector");
        var vector = RestFields.Required(value, "vector", at);
        if (vector.ValueKind == JsonValueKind.Object)
        {
            var sparse = Sparse(vector, at);
            search.SparseIndices = new G.SparseIndices { Data = { sparse.Indices } };
            search.Vector.Add(sparse.Values);
        }
        else
        {
            search.Vector.Add(RestFields.Floats(vector, at));
        }
    }

    private static G.VectorInput Input(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Number or JsonValueKind.String => new G.VectorInput { Id = RestSelectors.PointId(value, field) },
        JsonValueKind.Array when IsMulti(value) => new G.VectorInput { MultiDense = Multi(value, field) },
        _ => Vector(value, field) switch
        {
            { VectorCase: G.Vector.VectorOneofCase.Dense } dense => new G.VectorInput { Dense = dense.Dense },
            { VectorCase: G.Vector.VectorOneofCase.Sparse } sparse => new G.VectorInput { Sparse = sparse.Sparse },
            { VectorCase: G.Vector.VectorOneofCase.Document } document => new G.VectorInput { Document = document.Document },
            { VectorCase: G.Vector.VectorOneofCase.Image } image => new G.VectorInput { Image = image.Image },
            var other => new G.VectorInput { Object = other.Object },
        },
    };

    private static G.Vectors Named(JsonElement value, string field)
    {
        var named = new G.NamedVectors();
        foreach (var property in value.EnumerateObject())
        {
            named.Vectors[property.Name] = Vector(property.Value, RestFields.Path(field, property.Name));
        }

        return new G.Vectors { Vectors_ = named };
    }

    private static G.MultiDenseVector Multi(JsonElement value, string field) => new()
    {
        Vectors = { RestFields.Items(value, field).Select(entry => new G.DenseVector { Data = { RestFields.Floats(entry.Item, entry.Field) } }) },
    };

    private static G.SparseVector Sparse(JsonElement value, string field)
    {
        var indices = RestFields.Items(RestFields.Required(value, "indices", RestFields.Path(field, "indices")), RestFields.Path(field, "indices"))
            .Select(entry => entry.Item.ValueKind == JsonValueKind.Number && entry.Item.TryGetUInt32(out var index)
                ? index
                : throw RestFields.Invalid(entry.Field, $"{entry.Field} must be an unsigned 32-bit integer, not {RestFields.Describe(entry.Item)}"));
        var values = RestFields.Floats(RestFields.Required(value, "values", RestFields.Path(field, "values")), RestFields.Path(field, "values"));
        return new G.SparseVector { Indices = { indices }, Values = { values } };
    }

    private static bool IsMulti(JsonElement array) => array.GetArrayLength() > 0 && array[0].ValueKind == JsonValueKind.Array;

    /// <summary>Qdrant's inference inputs (<c>Document</c>, <c>Image</c>, <c>InferenceObject</c>) all name a <c>model</c>.</summary>
    private static bool IsInference(JsonElement value) =>
        RestFields.Has(value, "model") && (RestFields.Has(value, "text") || RestFields.Has(value, "image") || RestFields.Has(value, "object"));
}
