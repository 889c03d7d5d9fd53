using RagOperator.Demo;

return await DemoProgram.RunAsync(args);
