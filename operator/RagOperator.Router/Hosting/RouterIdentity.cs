using System.Text;
using RagOperator.Routing;

namespace RagOperator.Router;

/// <summary>
/// The router id stamped into the low bits of every write version (see <see cref="WriteVersion"/>): the xxHash64
/// (seed 0) of the UTF-8 pod name, modulo 1024. It is stable across restarts of the same pod name and needs no
/// coordination between replicas.
/// <para>Collision risk: two replicas whose names hash to the same id issue versions that can be equal when both
/// write within the same millisecond with the same logical counter. Only then, and only for the same point, is the
/// order of the two writes undecided (the copier sees equal versions and keeps the target's copy). For n replicas
/// the chance that any two share an id is about n(n-1)/2048: 0.3% for 3 replicas, 4% for 10. Set
/// <see cref="RouterOptions.RouterId"/> (ROUTER_ID) explicitly to rule it out.</para>
/// </summary>
public static class RouterIdentity
{
    public static int FromName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var hash = XxHash64.Hash(Encoding.UTF8.GetBytes(name));
        return (int)(hash % (WriteVersion.MaxRouterId + 1UL));
    }
}
