namespace RagOperator.InProcess.Validation.Cel;

/// <summary>A parsed CEL expression; <see cref="Position"/> is the offset of its first character in the source.</summary>
public abstract record CelExpr(int Position);

public sealed record CelLiteral(object Value, int Position) : CelExpr(Position);

public sealed record CelIdent(string Name, int Position) : CelExpr(Position);

/// <summary><c>operand.field</c>; with <see cref="TestOnly"/> it is the presence test <c>has(operand.field)</c>.</summary>
public sealed record CelSelect(CelExpr Operand, string Field, bool TestOnly, int Position) : CelExpr(Position);

public sealed record CelIndex(CelExpr Operand, CelExpr Index, int Position) : CelExpr(Position);

/// <summary>A function call, global (<see cref="Target"/> null) or receiver-style (<c>target.f(args)</c>).</summary>
public sealed record CelCall(string Function, CelExpr? Target, IReadOnlyList<CelExpr> Args, int Position) : CelExpr(Position);

public sealed record CelUnary(string Operator, CelExpr Operand, int Position) : CelExpr(Position);

public sealed record CelBinary(string Operator, CelExpr Left, CelExpr Right, int Position) : CelExpr(Position);

public sealed record CelConditional(CelExpr Condition, CelExpr Then, CelExpr Else, int Position) : CelExpr(Position);

public sealed record CelListLiteral(IReadOnlyList<CelExpr> Elements, int Position) : CelExpr(Position);

public sealed record CelMapLiteral(IReadOnlyList<KeyValuePair<CelExpr, CelExpr>> Entries, int Position) : CelExpr(Position);

/// <summary>
/// An expanded macro over a list (its elements) or a map (its keys): <c>all</c>, <c>exists</c>, <c>exists_one</c>,
/// <c>filter</c> and <c>map</c> (with an optional filter <see cref="Predicate"/> before the <see cref="Transform"/>).
/// </summary>
public sealed record CelComprehension(string Macro, CelExpr Range, string Variable, CelExpr? Predicate, CelExpr? Transform, int Position)
    : CelExpr(Position);
