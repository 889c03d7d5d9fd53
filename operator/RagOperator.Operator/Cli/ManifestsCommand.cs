using System.CommandLine;
using RagOperator.Api.Schema;

namespace RagOperator.Operator.Cli;

/// <summary><c>rag-operator manifests --output crds</c>: writes the CRDs generated from the C# API types.</summary>
internal static class ManifestsCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo[]>("--output", "-o")
        {
            Description = "Directory to write the CRD YAML files into (repeatable).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var check = new Option<bool>("--check") { Description = "Do not write; exit 1 when the files differ from the generated CRDs." };
        var command = new Command("manifests", "Generate the CustomResourceDefinitions from the API types.") { output, check };
        command.SetAction(parse =>
        {
            var drift = 0;
            foreach (var dir in parse.GetValue(output)!)
            {
                dir.Create();
                foreach (var (file, yaml) in CrdGenerator.GenerateAll())
                {
                    var path = Path.Combine(dir.FullName, file);
                    var current = File.Exists(path) ? File.ReadAllText(path) : null;
                    if (current == yaml) continue;
                    if (parse.GetValue(check))
                    {
                        Console.Error.WriteLine($"{path} is out of date with the C# API types; run `make manifests`.");
                        drift++;
                        continue;
                    }
                    File.WriteAllText(path, yaml);
                    Console.WriteLine($"wrote {path}");
                }
            }
            return drift == 0 ? 0 : 1;
        });
        return command;
    }
}
