using RagOperator.Api.V1Alpha1;

namespace RagOperator.Api;

/// <summary>The top-level kinds of the API, in generation order.</summary>
public static class ApiTypes
{
    public static IReadOnlyList<Type> All { get; } = [typeof(VectorCollection), typeof(VectorNodePool), typeof(VectorSnapshot), typeof(VectorRestore)];
}
