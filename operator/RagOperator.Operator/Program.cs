using System.CommandLine;
using RagOperator.Operator.Cli;

var root = new RootCommand("RagOperator: runs sharded Qdrant collections for retrieval on Kubernetes.")
{
    RunCommand.Create(),
    RenderCommand.Create(),
    ManifestsCommand.Create(),
    PlanCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
