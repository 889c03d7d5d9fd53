using System.CommandLine;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Rendering;

namespace RagOperator.Operator.Cli;

/// <summary>
/// <c>rag-operator render --file a.yaml --file b.yaml</c>: prints, as multi-document YAML, every child object the
/// operator would create for the VectorCollections in the files (VectorNodePools in the files give placement),
/// with the initial routing table. No cluster needed. Bad input exits 1 with the file, line and field.
/// </summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var files = new Option<FileInfo[]>("--file", "-f")
        {
            Description = "Manifest file with VectorCollections and VectorNodePools (repeatable).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var @namespace = new Option<string>("--namespace", "-n") { Description = "Namespace of collections that name none.", DefaultValueFactory = _ => "default" };
        var routerImage = new Option<string>("--router-image") { Description = "Router image for collections that name none.", DefaultValueFactory = _ => OperatorSettings.DefaultRouterImage };
        var operatorNamespace = new Option<string?>("--operator-namespace")
        {
            Description = "Namespace the operator runs in, which the NetworkPolicies admit it from (default: pods with the operator's labels in any namespace).",
        };
        var command = new Command("render", "Print the objects the operator would create for the given manifests.") { files, @namespace, routerImage, operatorNamespace };
        command.SetAction(parse =>
        {
            try
            {
                var yaml = Render(parse.GetValue(files)!, parse.GetValue(@namespace)!, new OperatorSettings { RouterImage = parse.GetValue(routerImage)!, OperatorNamespace = parse.GetValue(operatorNamespace) }, Console.Error);
                Console.Out.Write(yaml);
                return 0;
            }
            catch (ManifestException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The YAML for the files; notices (skipped kustomizations, missing pools) go to <paramref name="notices"/>.</summary>
    public static string Render(IEnumerable<FileInfo> files, string defaultNamespace, OperatorSettings settings, TextWriter notices)
    {
        var inputs = new List<(string, string)>();
        foreach (var file in files)
        {
            if (!file.Exists) throw new ManifestException(file.ToString(), null, "file not found");
            inputs.Add((file.ToString(), File.ReadAllText(file.FullName)));
        }

        var manifests = ManifestReader.Read(inputs, defaultNamespace);
        var messages = new List<string>(manifests.Notices);
        var documents = Renderer.Render(manifests, settings, messages);
        foreach (var message in messages) notices.WriteLine($"note: {message}");
        return YamlWriter.Write(documents);
    }
}
