namespace RagOperator.InProcess.Qdrant;

/// <summary>
/// An error reply with Qdrant's status code and wording. The prefixes are those of Qdrant's error kinds
/// (<c>Wrong input:</c> 400, <c>Not found:</c> 404, <c>Wrong input:</c> 409 for "already exists", <c>Forbidden:</c>
/// 403, <c>Format error in JSON body:</c> 400 for bodies that do not deserialize, <c>Validation error in JSON
/// body:</c> 422 for values out of range).
/// </summary>
internal sealed class QdrantHttpError : Exception
{
    private QdrantHttpError(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public int StatusCode { get; }

    public static QdrantHttpError BadInput(string description) => new(400, "Wrong input: " + description);

    public static QdrantHttpError NotFound(string description) => new(404, "Not found: " + description);

    public static QdrantHttpError AlreadyExists(string description) => new(409, "Wrong input: " + description);

    public static QdrantHttpError Forbidden(string description) => new(403, "Forbidden: " + description);

    public static QdrantHttpError BadRequest(string description) => new(400, "Bad request: " + description);

    public static QdrantHttpError Format(string description) => new(400, "Format error in JSON body: " + description);

    public static QdrantHttpError QueryFormat(string description) => new(400, "Query deserialize error: " + description);

    public static QdrantHttpError Validation(string path, string description) =>
        new(422, $"Validation error in JSON body: [{path}: {description}]");

    /// <summary>A request this stand-in deliberately does not implement (named in the server's doc comment).</summary>
    public static QdrantHttpError Unsupported(string feature) =>
        new(400, $"Bad request: {feature} is not supported by the in-process Qdrant server");

    public static QdrantHttpError ChecksumMismatch(string expected, string actual) =>
        new(400, $"Checksum mismatch: expected {expected}, actual {actual}");

    /// <summary>Qdrant's 500 for an operation the cluster cannot carry out (for example no active replica).</summary>
    public static QdrantHttpError Internal(string description) => new(500, "Service internal error: " + description);

    public static QdrantHttpError CollectionNotFound(string name) => NotFound($"Collection `{name}` doesn't exist!");

    public static QdrantHttpError DimensionMismatch(int expected, int got) =>
        BadInput($"Vector dimension error: expected dim: {expected}, got {got}");

    public static QdrantHttpError VectorNameNotExists(string name) => BadInput($"Not existing vector name error: {name}");

    /// <summary>Qdrant's error when a dense vector is given where a sparse one is expected, or the other way round.</summary>
    public static QdrantHttpError WrongSparse() => BadInput("Conversion between sparse and regular vectors failed");

    /// <summary>Qdrant's validation failure of a query plan (for example a fusion without prefetches).</summary>
    public static QdrantHttpError QueryValidation(string description) => BadInput("Validation failed: " + description);
}
