using System.Reflection;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Grpc;

namespace RagOperator.Router.Tests.Support;

/// <summary>
/// Makes real Qdrant clients whose calls of one operation (e.g. <c>SearchAsync</c>) stop at a gate until the test
/// opens it, so a test can hold a request inside the router at a known point while it changes the routing table.
/// </summary>
internal sealed class GatedQdrantClients(string operation, Func<Uri, Uri> grpcAddress) : IQdrantClientFactory, IDisposable
{
    private readonly HttpClient http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly QdrantChannels channels = new();
    private readonly ManualResetEventSlim gate = new(initialState: false);
    private readonly SemaphoreSlim entered = new(0);

    /// <summary>The gated method of <see cref="IQdrantClient"/>.</summary>
    public string Operation { get; } = operation;

    public IQdrantClient Create(Uri baseUri, string? apiKey = null)
    {
        var options = new QdrantClientOptions { BaseUri = baseUri, GrpcUri = grpcAddress(baseUri), ApiKey = apiKey, MaxRetries = 0 };
        var real = new QdrantShardClient(options, channels.Invoker(options.GrpcUri, apiKey), new QdrantRestClient(http, options));
        var proxy = DispatchProxy.Create<IQdrantClient, GateProxy>();
        ((GateProxy)(object)proxy).Init(real, this);
        return proxy;
    }

    /// <summary>Waits until a call of the gated operation has reached the gate.</summary>
    public async Task WaitUntilHeldAsync()
    {
        if (!await entered.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"no {Operation} call reached the gate");
        }
    }

    public void Open() => gate.Set();

    public void Dispose()
    {
        gate.Set();
        gate.Dispose();
        entered.Dispose();
        http.Dispose();
        channels.Dispose();
    }

    /// <summary>Forwards every call; calls of the gated operation first wait (off the caller's thread) for the gate.</summary>
    public class GateProxy : DispatchProxy
    {
        private IQdrantClient target = null!;
        private GatedQdrantClients owner = null!;

        internal void Init(IQdrantClient real, GatedQdrantClients factory)
        {
            target = real;
            owner = factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == owner.Operation)
            {
                owner.entered.Release();
                if (!owner.gate.Wait(TimeSpan.FromSeconds(20)))
                {
                    throw new TimeoutException("the test never opened the gate");
                }
            }

            try
            {
                return targetMethod.Invoke(target, args);
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                throw error.InnerException;
            }
        }
    }
}
