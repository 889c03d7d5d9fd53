using System.Net.Sockets;
using System.Text;
using RagOperator.InProcess.Kubernetes;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class TmpDebugTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Debug_drop()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var start = server.Store.ResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            await http.PostAsync("/api/v1/namespaces/default/configmaps", Objects.ConfigMap($"cm{i}"));
        }

        server.Faults.DropWatchesAfter(2, resource: "configmaps", times: 1);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion={start} HTTP/1.1\r\nHost: x\r\n\r\n"));
        var buffer = new byte[65536];
        var total = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer);
                if (n == 0) break;
                total.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        catch (Exception e)
        {
            output.WriteLine("EXC " + e.Message);
        }

        output.WriteLine(total.ToString());
    }
}
