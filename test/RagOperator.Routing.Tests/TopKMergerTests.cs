using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class TopKMergerTests
{
    private sealed record Point(PointKey Id, float[] Vector);

    private static double Score(Distance distance, float[] a, float[] b) => distance switch
    {
        Distance.Cosine => Dot(a, b) / (Math.Sqrt(Dot(a, a)) * Math.Sqrt(Dot(b, b))),
        Distance.Dot => Dot(a, b),
        Distance.Euclid => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum()),
        Distance.Manhattan => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Sum(),
        _ => throw new ArgumentOutOfRangeException(nameof(distance)),
    };

    private static Guid RandomGuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    /// <summary>The exact search a single collection holding every point would do, written independently of the merger.</summary>
    private static List<(PointKey Id, double Score)> ExactTopK(IEnumerable<Point> points, float[] query, Distance distance, int k)
    {
        var scored = points.Select(p => (p.Id, Score: Score(distance, p.Vector, query)));
        var ordered = distance is Distance.Cosine or Distance.Dot
            ? scored.OrderByDescending(s => s.Score)
            : scored.OrderBy(s => s.Score);
        return [.. ordered.ThenBy(s => s.Id).Take(k)];
    }

    [Theory]
    [InlineData(Distance.Cosine)]
    [InlineData(Distance.Dot)]
    [InlineData(Distance.Euclid)]
    [InlineData(Distance.Manhattan)]
    public void The_merged_top_k_equals_an_exact_search_over_the_union_of_the_shards(Distance distance)
    {
        var random = new Random(300 + (int)distance);
        for (var round = 0; round < 60; round++)
        {
            var dimension = random.Next(2, 9);

            // Coarse components make equal scores common, so tie-breaking is exercised too.
            var coarse = random.Next(2) == 0;
            float Component() => coarse ? random.Next(-2, 3) : (float)((random.NextDouble() * 2) - 1);
            var points = Enumerable.Range(0, random.Next(1, 400))
                .Select(i => new Point(random.Next(2) == 0 ? PointKey.FromUlong((ulong)i * 7919) : PointKey.FromGuid(RandomGuid(random)),
                    [.. Enumerable.Range(0, dimension).Select(_ => Component())]))
                .Where(p => distance != Distance.Cosine || p.Vector.Any(c => c != 0))
                .ToList();
            var query = Enumerable.Range(0, dimension).Select(_ => Component()).ToArray();
            if (distance == Distance.Cosine && query.All(c => c == 0))
            {
                query[0] = 1;
            }

            var k = random.Next(1, 60);
            var shardCount = random.Next(1, 9);
            var shards = points.GroupBy(_ => random.Next(shardCount))
                .Select(g => ExactTopK(g, query, distance, k).Select(hit => new ShardHit<string>(hit.Id, hit.Score, g.Key, hit.Id.Canonical)).ToList())
                .ToList();

            var merged = TopKMerger.Merge(shards, k, distance);

            merged.Select(h => (h.Id, h.Score)).Should().Equal(ExactTopK(points, query, distance, k));
            merged.Should().OnlyContain(h => h.Payload == h.Id.Canonical);
        }
    }

    [Fact]
    public void For_similarities_higher_wins_and_for_distances_lower_wins()
    {
        var hits = new[]
        {
            new ShardHit<int>(PointKey.FromUlong(1), 0.9, 0, 0),
            new ShardHit<int>(PointKey.FromUlong(2), 0.1, 1, 0),
            new ShardHit<int>(PointKey.FromUlong(3), 0.5, 1, 0),
        };

        TopKMerger.Merge([hits], 2, Distance.Cosine).Select(h => h.Id.AsUlong).Should().Equal(1UL, 3UL);
        TopKMerger.Merge([hits], 2, Distance.Dot).Select(h => h.Id.AsUlong).Should().Equal(1UL, 3UL);
        TopKMerger.Merge([hits], 2, Distance.Euclid).Select(h => h.Id.AsUlong).Should().Equal(2UL, 3UL);
        TopKMerger.Merge([hits], 2, Distance.Manhattan).Select(h => h.Id.AsUlong).Should().Equal(2UL, 3UL);
    }

    [Fact]
    public void Equal_scores_are_ordered_by_id_whatever_order_the_shards_answer_in()
    {
        var a = new[] { new ShardHit<int>(PointKey.FromUlong(20), 1.0, 0, 0), new ShardHit<int>(PointKey.Parse("0000000a-0000-0000-0000-000000000000"), 1.0, 0, 0) };
        var b = new[] { new ShardHit<int>(PointKey.FromUlong(3), 1.0, 1, 0) };

        var forward = TopKMerger.Merge([a, b], 3, Distance.Dot);
        var backward = TopKMerger.Merge([b, a], 3, Distance.Dot);

        forward.Select(h => h.Id.Canonical).Should().Equal("3", "20", "0000000a-0000-0000-0000-000000000000");
        backward.Should().Equal(forward);
    }

    [Fact]
    public void An_id_returned_by_two_shards_is_kept_once_with_its_best_hit()
    {
        var id = PointKey.FromUlong(5);
        var shard0 = new[] { new ShardHit<string>(id, 0.3, 0, "stale"), new ShardHit<string>(PointKey.FromUlong(6), 0.2, 0, "x") };
        var shard1 = new[] { new ShardHit<string>(id, 0.7, 1, "fresh") };

        var merged = TopKMerger.Merge([shard0, shard1], 10, Distance.Cosine);

        merged.Select(h => (h.Id.AsUlong, h.Payload)).Should().Equal((5UL, "fresh"), (6UL, "x"));

        // With equal scores the lower shard id wins, whatever the arrival order.
        var tie = TopKMerger.Merge([[new ShardHit<string>(id, 0.5, 3, "three")], [new ShardHit<string>(id, 0.5, 1, "one")]], 10, Distance.Cosine);
        tie.Single().Payload.Should().Be("one");
    }

    [Fact]
    public void A_NaN_score_ranks_last()
    {
        var hits = new[]
        {
            new ShardHit<int>(PointKey.FromUlong(1), double.NaN, 0, 0),
            new ShardHit<int>(PointKey.FromUlong(2), 5, 0, 0),
        };

        TopKMerger.Merge([hits], 2, Distance.Euclid).Select(h => h.Id.AsUlong).Should().Equal(2UL, 1UL);
        TopKMerger.Merge([hits], 2, Distance.Cosine).Select(h => h.Id.AsUlong).Should().Equal(2UL, 1UL);
    }

    [Fact]
    public void Fewer_hits_than_k_are_returned_as_they_are_and_k_below_one_is_refused()
    {
        TopKMerger.Merge<int>([[], [new ShardHit<int>(PointKey.FromUlong(1), 1, 0, 0)]], 10, Distance.Dot).Should().HaveCount(1);
        FluentActions.Invoking(() => TopKMerger.Merge<int>([], 0, Distance.Dot)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
