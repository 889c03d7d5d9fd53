namespace RagOperator.Api.Tests;

/// <summary>Paths in the repository checkout the tests run from (found by walking up to RagOperator.sln).</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RagOperator.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"RagOperator.sln not found above {AppContext.BaseDirectory}");
    }
}
