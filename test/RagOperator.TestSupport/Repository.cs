namespace RagOperator.TestSupport;

/// <summary>Paths inside the repository checkout the tests run from, found by walking up to <c>RagOperator.sln</c>.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Chart => Path("charts", "rag-operator");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "RagOperator.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException($"No RagOperator.sln above {AppContext.BaseDirectory}.");
    }
}
