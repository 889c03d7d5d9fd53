namespace RagOperator.Kubernetes.Configuration;

/// <summary>The client cannot be configured (in-cluster environment incomplete, kubeconfig unusable); the message names the file, the entry and the problem.</summary>
public class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException() { }
    public KubernetesConfigurationException(string message) : base(message) { }
    public KubernetesConfigurationException(string message, Exception inner) : base(message, inner) { }
}
