using FluentAssertions;
using RagOperator.Operator.Upgrades;
using Xunit;

namespace RagOperator.Operator.Tests.Upgrades;

public sealed class VersionSkipRuleTests
{
    [Theory]
    [InlineData("v1.18.0", "v1.18.0", null)]
    [InlineData("v1.18.2", "v1.18.0", null)]
    [InlineData("v1.19.0", "v1.18.2", null)]
    [InlineData("v1.19.0", "v1.18.2,v1.19.0", null)]
    [InlineData("v1.18.2", "v1.18.2,v1.19.0", null)] // rolling back a halted upgrade
    [InlineData("v1.19.0", "v1.17.4", "upgrade through v1.18.x (the latest patch of each) before v1.19.0")]
    [InlineData("v1.20.0", "v1.17.0", "upgrade through v1.18.x, then v1.19.x (the latest patch of each) before v1.20.0")]
    [InlineData("v1.19.0", "v1.17.0,v1.18.0", "upgrade through v1.18.x")]
    [InlineData("v1.16.0", "v1.18.0", "goes back more than one minor version")]
    [InlineData("v2.0.0", "v1.19.0", "changes the major version")]
    [InlineData("v1.19.0", "", null)]
    public void Skipping_a_minor_version_is_refused_with_the_versions_to_go_through(string target, string running, string? refusal)
    {
        var versions = running.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => QdrantVersion.TryParse(v)!.Value);

        var result = VersionSkipRule.Check(QdrantVersion.TryParse(target)!.Value, versions);

        if (refusal is null) result.Should().BeNull();
        else result.Should().Contain(refusal).And.Contain("nothing was changed", "a refusal applies nothing");
    }

    [Theory]
    [InlineData("qdrant/qdrant:v1.19.0", "v1.19.0")]
    [InlineData("registry.local:5000/qdrant/qdrant:v1.18.3-gpu-nvidia", "v1.18.3")]
    [InlineData("qdrant/qdrant", null)]
    [InlineData("qdrant/qdrant:latest", null)]
    public void The_version_is_read_from_an_image_tag(string image, string? version) =>
        QdrantVersion.FromImage(image)?.ToString().Should().Be(version);
}
