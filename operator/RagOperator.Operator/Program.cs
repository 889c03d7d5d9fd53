using System.CommandLine;
using RagOperator.Operator.Cli;

var root = new RootCommand("RagOperator: runs sharded Qdrant collections for retrieval on Kubernetes.")
{
    RunCommand.Create(),
    RenderCommand.Create(),
    ManifestsCommand.Create(),
    PlanCommand.Create(),
};

// Set explicitly: System.CommandLine 2.0.0 ships this as null, and then no signal ever reaches the action's
// cancellation token. With it, SIGTERM/SIGINT cancel the token; an action still running after the budget is
// abandoned and the process exits with 143/130.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = RunCommand.StopBudget };
return await root.Parse(args).InvokeAsync(invocation);
