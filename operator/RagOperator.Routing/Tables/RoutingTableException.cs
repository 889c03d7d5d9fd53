namespace RagOperator.Routing;

/// <summary>A routing table that cannot be parsed or is inconsistent; the message names every problem found.</summary>
public sealed class RoutingTableException : Exception
{
    public RoutingTableException()
    {
    }

    public RoutingTableException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public RoutingTableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public RoutingTableException(string message, IReadOnlyList<string> problems)
        : base(message)
    {
        Problems = problems;
    }

    /// <summary>Each problem on its own, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; } = [];
}
