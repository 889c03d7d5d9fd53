namespace RagOperator.Demo.Serve;

/// <summary>
/// The files <c>rag-demo serve</c> hands to clients: the endpoints JSON and the collection's CA. They exist exactly
/// while the product serves: a stale endpoints file from a run that was killed is removed before anything starts
/// (a reader waiting for the file must not connect to a run that is gone), and a clean stop removes both. Without an
/// endpoints file the CA goes to a temporary directory of its own.
/// </summary>
public sealed class ServedFiles : IDisposable
{
    private readonly string? endpointsPath;
    private readonly string directory;
    private readonly bool ownsDirectory;
    private string? caPath;
    private bool endpointsWritten;

    public ServedFiles(string? endpointsFile)
    {
        if (endpointsFile is not null)
        {
            endpointsPath = Path.GetFullPath(endpointsFile);
            directory = Path.GetDirectoryName(endpointsPath)!;
            if (File.Exists(endpointsPath)) File.Delete(endpointsPath);
        }
        else
        {
            directory = Directory.CreateTempSubdirectory("rag-serve-").FullName;
            ownsDirectory = true;
        }
    }

    /// <summary>The endpoints file's full path, or null when none is written.</summary>
    public string? EndpointsPath => endpointsPath;

    /// <summary>Writes the CA bundle as <c>&lt;collection&gt;-ca.pem</c> beside the endpoints file; returns its full path.</summary>
    public string WriteCa(string collection, string pem)
    {
        caPath = Path.Combine(directory, $"{collection}-ca.pem");
        ServeEndpoints.WriteAtomically(caPath, pem);
        return caPath;
    }

    /// <summary>Writes (or replaces) the endpoints file in one step; nothing when there is none.</summary>
    public void WriteEndpoints(ServeEndpoints endpoints)
    {
        if (endpointsPath is null) return;
        ServeEndpoints.WriteAtomically(endpointsPath, endpoints.ToJson() + Environment.NewLine);
        endpointsWritten = true;
    }

    public void Dispose()
    {
        // The endpoints file first: once it is gone no new client is pointed at what is stopping.
        if (endpointsWritten && endpointsPath is not null && File.Exists(endpointsPath)) File.Delete(endpointsPath);
        if (caPath is not null && File.Exists(caPath)) File.Delete(caPath);
        if (ownsDirectory && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }
}
