using System.Net;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string Key = "s3cret-router-key";
    private ShardCluster cluster = null!;
    private TestRouter router = null!;

    public async Task InitializeAsync()
    {
        cluster = await ShardCluster.StartAsync(shards: 1, dimension: 2, distance: Distance.Dot);
        router = await TestRouter.StartAsync(cluster, cluster.StableTable(), options => options with { ApiKey = Key });
    }

    public async Task DisposeAsync()
    {
        await router.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Theory]
    [InlineData("PUT", "v1/collections/docs/points", """{"points":[{"id":1,"vector":[1,2]}]}""")]
    [InlineData("POST", "v1/collections/docs/points/search", """{"vector":[1,2]}""")]
    [InlineData("POST", "v1/collections/docs/points/search/batch", """{"searches":[{"vector":[1,2]}]}""")]
    [InlineData("POST", "v1/collections/docs/points/delete", """{"ids":[1]}""")]
    public async Task Every_data_endpoint_answers_401_without_the_key(string method, string path, string body)
    {
        using var anonymous = new RouterClient(router.Handle.BaseUri);
        var reply = await anonymous.SendAsync(new HttpMethod(method), path, body);

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error.Should().Be("missing API key: send it as 'api-key: <key>' or 'Authorization: Bearer <key>'");
        cluster.TotalPoints().Should().Be(0);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_nothing_is_written()
    {
        using var anonymous = new RouterClient(router.Handle.BaseUri);
        var reply = await anonymous.SendAsync(HttpMethod.Put, "v1/collections/docs/points", """{"points":[{"id":1,"vector":[1,2]}]}""",
            new Dictionary<string, string> { ["api-key"] = "guess" });

        reply.Status.Should().Be(HttpStatusCode.Unauthorized);
        reply.Error.Should().Be("invalid API key");
        cluster.TotalPoints().Should().Be(0);
    }

    [Fact]
    public async Task The_key_is_accepted_as_an_api_key_header_or_a_bearer_token()
    {
        using var anonymous = new RouterClient(router.Handle.BaseUri);
        var withHeader = await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [1f, 2f])]));
        var withBearer = await anonymous.SendAsync(HttpMethod.Post, "v1/collections/docs/points/search", """{"vector":[1,2]}""",
            new Dictionary<string, string> { ["Authorization"] = $"Bearer {Key}" });

        withHeader.Status.Should().Be(HttpStatusCode.OK, withHeader.Text);
        withBearer.Status.Should().Be(HttpStatusCode.OK, withBearer.Text);
        Requests.Ids(withBearer.Body!["result"]).Should().Equal("1");
    }

    [Fact]
    public async Task Probes_and_the_routing_version_need_no_key_but_shard_endpoints_are_hidden_without_it()
    {
        using var anonymous = new RouterClient(router.Handle.BaseUri);
        (await anonymous.GetAsync("healthz")).Status.Should().Be(HttpStatusCode.OK);
        (await anonymous.GetAsync("readyz")).Status.Should().Be(HttpStatusCode.OK);
        (await anonymous.GetAsync("metrics")).Status.Should().Be(HttpStatusCode.OK);

        var open = await anonymous.GetAsync("v1/routing");
        open.Status.Should().Be(HttpStatusCode.OK);
        open.Body!["version"]!.GetValue<long>().Should().Be(1);
        open.Body["servedVersion"]!.GetValue<long>().Should().Be(1);
        open.Body["shards"].Should().BeNull();

        var detailed = await router.Client.GetAsync("v1/routing");
        detailed.Body!["shards"]!.AsArray().Should().HaveCount(1);
    }
}
