using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-qdrant-bootstrap</c>: the entrypoint script of every shard pod. Qdrant's cluster mode needs the
/// first peer to start a Raft cluster (<c>--uri</c> only) and every other peer to join it (<c>--bootstrap</c> pod 0).
/// A StatefulSet has one pod template for all ordinals, so the choice is made at start-up from the pod's own name
/// (ordinal = the suffix after the last dash). A restarted peer keeps its Raft state on its volume and ignores
/// <c>--bootstrap</c>, so the same script is correct for first starts and restarts.
/// </summary>
public static class BootstrapConfigMapBuilder
{
    /// <summary>POSIX sh (the Qdrant image's /bin/sh); <c>exec</c> so Qdrant is PID 1 and receives SIGTERM.</summary>
    public const string Script = """
        #!/bin/sh
        # Written by rag-operator. Pod 0 of a shard starts the Raft cluster; the other pods join it through pod 0.
        set -eu
        ordinal="${POD_NAME##*-}"
        self="${QDRANT_PEER_SCHEME}://${POD_NAME}.${QDRANT_PEER_DOMAIN}:6335"
        if [ "$ordinal" = "0" ]; then
          exec ./entrypoint.sh --uri "$self"
        fi
        exec ./entrypoint.sh --bootstrap "$QDRANT_BOOTSTRAP_URI" --uri "$self"
        """;

    public static ConfigMap Build(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Bootstrap(input.Name), Labels.ForShards(input.Name)),
        Data = new Dictionary<string, string>(StringComparer.Ordinal) { [ChildNames.BootstrapScriptKey] = Script + "\n" },
    };
}
