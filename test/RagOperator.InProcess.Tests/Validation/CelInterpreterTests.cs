using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Validation.Cel;
using Xunit;

namespace RagOperator.InProcess.Tests.Validation;

public sealed class CelInterpreterTests
{
    private const string Self = """
        {"name":"coll","shards":4,"ratio":0.5,"tags":["a","b","c"],"labels":{"tier":"gold","zone":"eu"},
         "nested":{"inner":{"value":7}},"empty":[],"flag":true,"nothing":null}
        """;

    private static object Eval(string expression, string self = Self, string? oldSelf = null) =>
        CelProgram.Compile(expression).Evaluate(JsonNode.Parse(self), oldSelf is null ? null : JsonNode.Parse(oldSelf));

    public static TheoryData<string, object> Values => new()
    {
        // literals
        { "42", 42L },
        { "0x1F", 31L },
        { "-9223372036854775808", long.MinValue },
        { "7u", 7UL },
        { "2.5", 2.5 },
        { ".5", 0.5 },
        { "1e3", 1000.0 },
        { "'single'", "single" },
        { "\"double\"", "double" },
        { "'''triple 'quoted' text'''", "triple 'quoted' text" },
        { @"'tab\there\n'", "tab\there\n" },
        { @"'\x41\u00e9\101'", "Aé\u0041" },
        { @"r'raw\n'", @"raw\n" },
        { "true", true },
        { "null == null", true },
        { "size([1, 2, 3,])", 3L },
        { "{'a': 1}['a']", 1L },
        // precedence and associativity
        { "1 + 2 * 3", 7L },
        { "(1 + 2) * 3", 9L },
        { "10 - 4 - 3", 3L },
        { "20 / 2 / 5", 2L },
        { "7 % 4 * 2", 6L },
        { "-2 * -3", 6L },
        { "!true || true", true },
        { "!(true || true)", false },
        { "true || false && false", true },
        { "(true || false) && false", false },
        { "1 < 2 == true", true },
        { "2 in [1, 2] && 'b' in self.tags", true },
        { "false ? 1 : true ? 2 : 3", 2L },
        { "1 + 1 == 2 ? 'yes' : 'no'", "yes" },
        { "--5", 5L },
        { "!!false", false },
        // arithmetic and comparison across types
        { "7 / 2", 3L },
        { "-7 / 2", -3L },
        { "-7 % 3", -1L },
        { "7.0 / 2.0", 3.5 },
        { "1 == 1.0", true },
        { "1u == 1", true },
        { "2 > 1.5", true },
        { "'abc' < 'abd'", true },
        { "false < true", true },
        { "1 == 'one'", false },
        { "[1, 2] == [1, 2]", true },
        { "{'a': [1]} == {'a': [1]}", true },
        { "'a' + 'b'", "ab" },
        // self and field selection
        { "self.name", "coll" },
        { "self.shards * 2", 8L },
        { "self.ratio", 0.5 },
        { "self.tags[1]", "b" },
        { "self.labels['tier']", "gold" },
        { "self.labels.zone", "eu" },
        { "self.nested.inner.value", 7L },
        { "self.nothing == null", true },
        // has()
        { "has(self.name)", true },
        { "has(self.missing)", false },
        { "has(self.labels.tier)", true },
        { "has(self.nested.inner.other)", false },
        // functions
        { "size(self.tags)", 3L },
        { "self.tags.size()", 3L },
        { "size('héllo')", 5L },
        { "size(self.labels)", 2L },
        { "self.name.startsWith('co')", true },
        { "self.name.endsWith('ll')", true },
        { "self.name.contains('ol')", true },
        { "self.name.matches('^c.l+$')", true },
        { "matches('abc', 'b')", true },
        { "int('42') + 1", 43L },
        { "int(3.9)", 3L },
        { "int(-3.9)", -3L },
        { "uint(5)", 5UL },
        { "double(2)", 2.0 },
        { "string(42)", "42" },
        { "string(2.5)", "2.5" },
        { "string(1e21)", "1e+21" },
        { "string(123456.0)", "123456" },
        { "string(1234567.0)", "1.234567e+06" },
        { "string(0.0001)", "0.0001" },
        { "string(0.00001)", "1e-05" },
        { "string(-2.5)", "-2.5" },
        { "string(true)", "true" },
        { "bool('true')", true },
        { "dyn(1) == 1", true },
        // macros
        { "self.tags.all(t, size(t) == 1)", true },
        { "self.tags.all(t, t != 'b')", false },
        { "self.tags.exists(t, t == 'c')", true },
        { "self.tags.exists_one(t, t > 'a')", false },
        { "self.tags.exists_one(t, t == 'a')", true },
        { "self.tags.filter(t, t != 'b') == ['a', 'c']", true },
        { "self.tags.map(t, t + t) == ['aa', 'bb', 'cc']", true },
        { "self.tags.map(t, t != 'a', t + '!') == ['b!', 'c!']", true },
        { "self.labels.all(k, k in ['tier', 'zone'])", true },
        { "self.labels.exists(k, self.labels[k] == 'gold')", true },
        { "self.empty.all(x, false)", true },
        { "self.empty.exists(x, true)", false },
        { "[[1, 2], [3]].all(l, l.all(x, x > 0))", true },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Expressions_evaluate_to_their_cel_value(string expression, object expected)
    {
        var result = Eval(expression);

        result.Should().Be(expected, "`{0}` evaluates to {1}", expression, result);
    }

    public static TheoryData<string, string> Errors => new()
    {
        { "self.missing", "no such key: missing" },
        { "self.labels['absent']", "no such key: absent" },
        { "self.tags[3]", "index out of bounds: 3" },
        { "self.tags[-1]", "index out of bounds: -1" },
        { "1 / 0", "division by zero" },
        { "1 % 0", "modulus by zero" },
        { "9223372036854775807 + 1", "int overflow" },
        { "-9223372036854775808 - 1", "int overflow" },
        { "0u - 1u", "uint overflow" },
        { "1 + 1.0", "no such overload: +(int, double)" },
        { "'a' < 1", "no such overload: <(string, int)" },
        { "!1", "no such overload: !_(int)" },
        { "self.name.size() + self.name", "no such overload: +(int, string)" },
        { "int('x')", "cannot convert string 'x' to int" },
        { "int(1e19)", "double out of int range" },
        { "self.shards.foo", "type 'int' does not support field selection" },
        { "self.missing || false", "no such key: missing" },
        { "true ? self.missing : 1", "no such key: missing" },
        { "self.tags.exists_one(t, self.missing == t)", "no such key: missing" },
        { "self.tags.all(t, self.missing)", "no such key: missing" },
        { "self.name.matches(self.name + '(')", "invalid regular expression" },
        { "{'a': 1, 'a': 2}", "repeated key: a" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Failures_are_cel_errors_with_a_clear_message(string expression, string message)
    {
        var result = Eval(expression);

        result.Should().BeOfType<CelError>().Which.Message.Should().Contain(message);
    }

    [Theory]
    [InlineData("self.missing && false", false)]
    [InlineData("false && self.missing", false)]
    [InlineData("self.missing || true", true)]
    [InlineData("true || self.missing", true)]
    [InlineData("self.tags.exists(t, t == 'a' || self.missing)", true)]
    [InlineData("self.tags.all(t, t == 'z' && self.missing)", false)]
    [InlineData("!has(self.missing) || self.missing > 1", true)]
    public void Logical_operators_and_macros_absorb_errors_that_cannot_change_the_result(string expression, bool expected)
    {
        Eval(expression).Should().Be(expected);
    }

    [Fact]
    public void Lists_concatenate_and_compare_by_cel_equality()
    {
        var result = Eval("[1] + self.tags");

        CelValues.Equal(result, CelList.Of([1L, "a", "b", "c"])).Should().BeTrue();
        CelValues.Equal(result, CelList.Of([1L, "a", "b"])).Should().BeFalse();
    }

    [Fact]
    public void OldSelf_is_bound_only_when_an_old_value_is_given()
    {
        var program = CelProgram.Compile("self.shards == oldSelf.shards");

        program.ReferencesOldSelf.Should().BeTrue();
        program.Evaluate(JsonNode.Parse("""{"shards":2}"""), JsonNode.Parse("""{"shards":2}""")).Should().Be(true);
        program.Evaluate(JsonNode.Parse("""{"shards":3}"""), JsonNode.Parse("""{"shards":2}""")).Should().Be(false);
        program.Evaluate(JsonNode.Parse("""{"shards":3}""")).Should().BeOfType<CelError>();
        CelProgram.Compile("self.shards > 0").ReferencesOldSelf.Should().BeFalse();
    }

    public static TheoryData<string, string> CompileErrors => new()
    {
        { "self.", "Syntax error: mismatched input '<EOF>' expecting IDENTIFIER" },
        { "1 +", "Syntax error: mismatched input '<EOF>' expecting an expression" },
        { "(1 + 2", "Syntax error: mismatched input '<EOF>' expecting ')'" },
        { "1 2", "Syntax error: extraneous input '2' expecting <EOF>" },
        { "a = 1", "Syntax error: token recognition error at: '='" },
        { "self & 1", "token recognition error at: '&'" },
        { "'unterminated", "unterminated string literal" },
        { "'bad \\q escape'", "invalid escape sequence" },
        { "b'bytes'", "bytes literals are not supported" },
        { "self.?name", "optional field selection '.?' is not supported" },
        { "Msg{a: 1}", "message construction is not supported" },
        { ".self", "leading '.' (fully qualified) names are not supported" },
        { "if", "reserved identifier: if" },
        { "9223372036854775808", "invalid int literal" },
        { "x > 1", "undeclared reference to 'x'" },
        { "self.tags.all(t, u > 1)", "undeclared reference to 'u'" },
        { "has(self)", "invalid argument to has() macro" },
        { "self.tags.all(1, true)", "argument is not an identifier" },
        { "self.name.lowerAscii()", "undeclared reference to 'lowerAscii'" },
        { "self.name.startsWith()", "found no matching overload for 'startsWith'" },
        { "startsWith(self.name, 'a')", "found no matching overload for 'startsWith' called as a global function" },
        { "timestamp('2024-01-01T00:00:00Z')", "undeclared reference to 'timestamp'" },
        { "self.name.matches('(')", "invalid regular expression '('" },
        { "type(self) == int", "undeclared reference to 'type'" },
    };

    [Theory]
    [MemberData(nameof(CompileErrors))]
    public void Constructs_outside_the_subset_fail_to_compile_with_a_clear_message(string expression, string message)
    {
        var compile = () => CelProgram.Compile(expression);

        compile.Should().Throw<CelCompileException>().Which.Message.Should().StartWith("ERROR: <input>:1:").And.Contain(message);
    }

    [Fact]
    public void Compile_errors_point_at_the_line_and_column()
    {
        var compile = () => CelProgram.Compile("self.a &&\n  nope");

        compile.Should().Throw<CelCompileException>().WithMessage("ERROR: <input>:2:3: undeclared reference to 'nope'*");
    }

    [Fact]
    public void Deep_nesting_is_a_compile_error_rather_than_a_stack_overflow()
    {
        var expression = new string('(', 500) + "1" + new string(')', 500);

        var compile = () => CelProgram.Compile(expression);

        compile.Should().Throw<CelCompileException>().WithMessage("*nests deeper than*");
    }

    [Fact]
    public void A_runaway_evaluation_is_cut_off_by_the_step_budget()
    {
        var big = "[" + string.Join(",", Enumerable.Range(0, 200)) + "]";
        var program = CelProgram.Compile($"{big}.all(a, {big}.all(b, {big}.all(c, a + b + c >= 0)))");

        program.Evaluate(JsonNode.Parse("{}")).Should().BeOfType<CelError>().Which.Message.Should().Contain("cost limit exceeded");
    }

    [Fact]
    public void Comments_and_whitespace_are_ignored()
    {
        Eval("// the shard count\nself.shards   ==\t4 // trailing").Should().Be(true);
    }

    [Fact]
    public void Numbers_compare_exactly_across_int_and_double()
    {
        Eval("9007199254740993 > 9007199254740992.0").Should().Be(true, "2^53+1 is greater than the double 2^53 even though it rounds to it");
        Eval("9007199254740993 == 9007199254740992.0").Should().Be(false);
    }
}
