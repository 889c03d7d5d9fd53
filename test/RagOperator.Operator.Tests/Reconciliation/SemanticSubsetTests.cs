using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Operator.Reconciliation;
using Xunit;

namespace RagOperator.Operator.Tests.Reconciliation;

public sealed class SemanticSubsetTests
{
    public static TheoryData<string, string, string, bool> Cases => new()
    {
        // case, live, desired, contained
        { "equal", """{"a":1,"b":"x"}""", """{"a":1,"b":"x"}""", true },
        { "server defaults added", """{"spec":{"clusterIP":"10.0.0.1","type":"ClusterIP","ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":80}]}}""",
            """{"spec":{"ports":[{"name":"http","port":80}]}}""", true },
        { "changed scalar", """{"replicas":2}""", """{"replicas":3}""", false },
        { "missing field", """{"a":1}""", """{"a":1,"b":2}""", false },
        { "empty desired object matches absence", """{"a":1}""", """{"a":1,"emptyDir":{}}""", true },
        { "empty desired array matches absence", """{}""", """{"items":[]}""", true },
        { "named lists match by name in any order", """{"env":[{"name":"B","value":"2"},{"name":"A","value":"1"},{"name":"INJECTED","value":"x"}]}""",
            """{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}""", true },
        { "named item changed", """{"env":[{"name":"A","value":"1"}]}""", """{"env":[{"name":"A","value":"2"}]}""", false },
        { "named item missing", """{"env":[{"name":"A","value":"1"}]}""", """{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}""", false },
        { "unnamed list positional", """{"args":["a","b"]}""", """{"args":["a","b"]}""", true },
        { "unnamed list reordered", """{"args":["b","a"]}""", """{"args":["a","b"]}""", false },
        { "unnamed list longer live", """{"args":["a","b","c"]}""", """{"args":["a","b"]}""", false },
        { "canonical cpu quantity", """{"cpu":"2"}""", """{"cpu":"2000m"}""", true },
        { "canonical memory quantity", """{"memory":"1073741824"}""", """{"memory":"1Gi"}""", true },
        { "different quantity", """{"memory":"2Gi"}""", """{"memory":"1Gi"}""", false },
        { "number and quantity string", """{"count":1}""", """{"count":"1"}""", true },
        { "number formatting", """{"x":1.0}""", """{"x":1}""", true },
        { "bool differs", """{"x":false}""", """{"x":true}""", false },
        { "type differs", """{"x":"true"}""", """{"x":true}""", false },
        { "object vs scalar", """{"x":1}""", """{"x":{"a":1}}""", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Containment_ignores_what_the_server_adds_but_not_what_changed(string description, string live, string desired, bool contained)
    {
        SemanticSubset.Contains(JsonNode.Parse(live), JsonNode.Parse(desired)).Should().Be(contained, description);
        (SemanticSubset.FirstDifference(JsonNode.Parse(live), JsonNode.Parse(desired)) is null).Should().Be(contained, description);
    }

    [Fact]
    public void The_first_difference_names_the_path()
    {
        var live = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"q","image":"a"}]}}}}""");
        var desired = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"q","image":"b"}]}}}}""");
        SemanticSubset.FirstDifference(live, desired).Should().Be(".spec.template.spec.containers");
    }

    [Theory]
    [InlineData("500m", 0.5)]
    [InlineData("2", 2)]
    [InlineData("1Ki", 1024)]
    [InlineData("1.5Gi", 1610612736)]
    [InlineData("1e3", 1000)]
    [InlineData("100M", 100000000)]
    [InlineData("10n", 0.00000001)]
    public void Quantities_parse_to_exact_amounts(string text, double expected)
    {
        Quantity.TryParse(text, out var value).Should().BeTrue();
        value.Should().Be((decimal)expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1Gb")]
    [InlineData("1.2.3")]
    public void Non_quantities_do_not_parse(string text) => Quantity.TryParse(text, out _).Should().BeFalse();
}
