using System.Net;
using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Qdrant.Tests.Support;

namespace RagOperator.Qdrant.Tests.Client;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task The_api_key_is_sent_as_the_api_key_header_and_accepted()
    {
        await using var harness = await QdrantHarness.StartAsync(new InProcessQdrantOptions { ApiKey = "k-123" });

        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));

        harness.Server.Collections.Exists("c").Should().BeTrue();
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_qdrants_plain_text_401_and_not_retried()
    {
        await using var harness = await QdrantHarness.StartAsync(new InProcessQdrantOptions { ApiKey = "right" });
        var wrong = harness.ClientWith(options => new QdrantClientOptions { BaseUri = options.BaseUri, ApiKey = "wrong", RetryBaseDelay = TimeSpan.FromMilliseconds(1) });
        var keyless = harness.ClientWith(options => new QdrantClientOptions { BaseUri = options.BaseUri, RetryBaseDelay = TimeSpan.FromMilliseconds(1) });
        harness.Recorder.Clear();

        var wrongError = (await FluentActions.Awaiting(() => wrong.CollectionExistsAsync("c")).Should().ThrowAsync<QdrantException>()).Which;
        var keylessError = (await FluentActions.Awaiting(() => keyless.CollectionExistsAsync("c")).Should().ThrowAsync<QdrantException>()).Which;

        wrongError.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        wrongError.QdrantMessage.Should().Be("Invalid API key or JWT");
        wrongError.Message.Should().NotContain("wrong").And.NotContain("right");
        keylessError.QdrantMessage.Should().Be("Must provide an API key or an Authorization bearer token");
        harness.Recorder.Exchanges.Should().HaveCount(2, "authentication failures are not retried");
    }

    [Fact]
    public async Task A_read_only_key_may_read_but_not_write()
    {
        await using var harness = await QdrantHarness.StartAsync(new InProcessQdrantOptions { ApiKey = "admin", ReadOnlyApiKey = "reader" });
        await harness.Client.CreateCollectionAsync("c", new CreateCollectionRequest(new VectorParams(2, Distance.Dot)));
        var reader = harness.ClientWith(options => new QdrantClientOptions { BaseUri = options.BaseUri, ApiKey = "reader" });

        (await reader.CountAsync("c")).Should().Be(0);
        (await reader.SearchAsync("c", new SearchRequest([1, 0], 3))).Should().BeEmpty();
        var act = () => reader.UpsertAsync("c", [new PointStruct(1, [1, 0])]);

        var error = (await act.Should().ThrowAsync<QdrantException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.QdrantMessage.Should().Be("Forbidden: Only read-only access is allowed");
    }

    [Fact]
    public void Client_options_never_print_the_api_key()
    {
        var options = new QdrantClientOptions { BaseUri = new Uri("http://shard-0:6333"), ApiKey = "top-secret" };

        options.ToString().Should().NotContain("top-secret").And.Contain("***");
        new InProcessQdrantOptions { ApiKey = "top-secret" }.ToString().Should().NotContain("top-secret");
    }
}
