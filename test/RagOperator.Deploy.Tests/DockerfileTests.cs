using RagOperator.Deploy.Tests.Infrastructure;

namespace RagOperator.Deploy.Tests;

/// <summary>
/// No Docker engine is available here, so the images cannot be built in CI; these checks keep the Dockerfiles
/// honest about what the manifests expect of the images: the assembly they start, the user and the ports.
/// </summary>
public sealed class DockerfileTests
{
    [Theory]
    [InlineData("RagOperator.Operator", "rag-operator")]
    [InlineData("RagOperator.Router", "rag-router")]
    public void Each_image_is_a_multi_stage_build_that_runs_its_assembly_as_the_non_root_user(string project, string assembly)
    {
        var dockerfile = Repository.Read("operator", project, "Dockerfile");
        var csproj = Repository.Read("operator", project, $"{project}.csproj");

        dockerfile.Should().Contain("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build")
            .And.Contain("FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime")
            .And.Contain("COPY --from=build /app ./")
            .And.Contain("USER 65532:65532")
            .And.Contain($"ENTRYPOINT [\"dotnet\", \"{assembly}.dll\"]")
            .And.Contain($"dotnet publish operator/{project}/{project}.csproj");
        csproj.Should().Contain($"<AssemblyName>{assembly}</AssemblyName>", "the image starts {0}.dll", assembly);
        dockerfile.IndexOf("USER 65532:65532", StringComparison.Ordinal).Should().BeGreaterThan(dockerfile.IndexOf("AS runtime", StringComparison.Ordinal));
    }

    [Fact]
    public void The_makefile_builds_both_images_from_the_repository_root()
    {
        var makefile = Repository.Read("Makefile");

        makefile.Should().Contain("-f operator/RagOperator.Operator/Dockerfile .").And.Contain("-f operator/RagOperator.Router/Dockerfile .");
    }
}
