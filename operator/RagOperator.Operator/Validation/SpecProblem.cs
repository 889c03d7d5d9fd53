namespace RagOperator.Operator.Validation;

/// <summary>One reason a manifest is invalid: the JSON path of the field (<c>spec.sharding.slots</c>) and why.</summary>
public sealed record SpecProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
