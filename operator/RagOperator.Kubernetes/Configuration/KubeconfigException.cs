namespace RagOperator.Kubernetes.Configuration;

/// <summary>The client cannot be configured (in-cluster environment incomplete, kubeconfig unusable).</summary>
public class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException() { }
    public KubernetesConfigurationException(string message) : base(message) { }
    public KubernetesConfigurationException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A kubeconfig file is unreadable or malformed; the message names the file, the entry and the problem.</summary>
public sealed class KubeconfigException : KubernetesConfigurationException
{
    public KubeconfigException() { }
    public KubeconfigException(string message) : base(message) { }
    public KubeconfigException(string message, Exception inner) : base(message, inner) { }
}
