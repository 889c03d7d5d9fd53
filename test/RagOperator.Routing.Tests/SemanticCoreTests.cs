using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

/// <summary>Gaussian blobs around random centres, for the semantic tests.</summary>
internal static class Blobs
{
    public static (List<float[]> Points, int[] Labels, float[][] Centres) Make(int seed, int clusters, int perCluster, int dimension, double spread = 0.05, double scale = 1)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray()).ToArray();
        var points = new List<float[]>();
        var labels = new List<int>();
        for (var c = 0; c < clusters; c++)
        {
            for (var i = 0; i < perCluster; i++)
            {
                points.Add([.. centres[c].Select(x => (float)(x + (Gaussian(random) * spread)))]);
                labels.Add(c);
            }
        }

        return (points, [.. labels], centres);
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

public sealed class KMeansTests
{
    [Theory]
    [InlineData(Distance.Euclid)]
    [InlineData(Distance.Cosine)]
    [InlineData(Distance.Dot)]
    [InlineData(Distance.Manhattan)]
    public void Well_separated_blobs_each_end_up_in_a_cluster_of_their_own(Distance distance)
    {
        // Centres on distinct axes (scaled alike), so every distance, Dot included, tells them apart.
        const int clusters = 6, dimension = 12;
        var random = new Random(3);
        var points = new List<float[]>();
        var labels = new List<int>();
        for (var c = 0; c < clusters; c++)
        {
            for (var i = 0; i < 40; i++)
            {
                var v = Enumerable.Range(0, dimension).Select(_ => (float)(Blobs.Gaussian(random) * 0.03)).ToArray();
                v[c * 2] += 1;
                points.Add(v);
                labels.Add(c);
            }
        }

        var result = KMeans.Train(points, clusters, distance, new KMeansOptions { Seed = 5 });

        for (var c = 0; c < clusters; c++)
        {
            Enumerable.Range(0, points.Count).Where(p => labels[p] == c).Select(p => result.Assignment[p]).Distinct()
                .Should().ContainSingle($"blob {c} is one cluster under {distance}");
        }

        result.Sizes.Should().OnlyContain(size => size == 40);
        result.Converged.Should().BeTrue();
    }

    [Fact]
    public void The_same_seed_gives_the_same_centroids_and_another_seed_may_not()
    {
        var (points, _, _) = Blobs.Make(seed: 1, clusters: 10, perCluster: 30, dimension: 16, spread: 0.4);

        var a = KMeans.Train(points, 8, Distance.Euclid, new KMeansOptions { Seed = 42 });
        var b = KMeans.Train(points, 8, Distance.Euclid, new KMeansOptions { Seed = 42, Parallel = false });
        var c = KMeans.Train(points, 8, Distance.Euclid, new KMeansOptions { Seed = 43 });

        b.Centroids.Should().Equal(a.Centroids, "training is deterministic, with or without parallel assignment");
        b.Assignment.Should().Equal(a.Assignment);
        c.Centroids.Should().NotEqual(a.Centroids, "the seed drives the k-means++ draws");
    }

    [Fact]
    public void Lloyd_iterations_are_bounded()
    {
        var (points, _, _) = Blobs.Make(seed: 2, clusters: 20, perCluster: 20, dimension: 8, spread: 1.0);

        var result = KMeans.Train(points, 12, Distance.Euclid, new KMeansOptions { MaxIterations = 2 });

        result.Iterations.Should().Be(2);
        result.Converged.Should().BeFalse();
        result.Assignment.Should().OnlyContain(c => c >= 0 && c < 12);
    }

    [Fact]
    public void Cosine_centroids_are_unit_length_and_every_cluster_keeps_a_point()
    {
        // 25 points in nearly one direction and 5 in another: k-means must still give each of 4 clusters a point.
        var points = Enumerable.Range(0, 30).Select(i => i < 25 ? new float[] { 1, 0.001f * i, 0 } : new float[] { 0, i, 1 }).ToList();

        var result = KMeans.Train(points, 4, Distance.Cosine);

        for (var c = 0; c < 4; c++)
        {
            VectorMath.Dot(result.Centroid(c), result.Centroid(c)).Should().BeApproximately(1, 1e-5f);
        }

        result.Sizes.Should().OnlyContain(size => size > 0, "an empty cluster is re-seeded with the worst-served point");
    }

    [Fact]
    public void Asking_for_more_clusters_than_points_or_giving_bad_vectors_is_refused()
    {
        FluentActions.Invoking(() => KMeans.Train([[1f], [2f]], 3, Distance.Euclid)).Should().Throw<ArgumentException>().WithMessage("*3 clusters out of 2 points*");
        FluentActions.Invoking(() => KMeans.Train([[1f, 2f], [1f]], 1, Distance.Euclid)).Should().Throw<ArgumentException>().WithMessage("*point 1 has 1 components*");
        FluentActions.Invoking(() => KMeans.Train([[float.NaN]], 1, Distance.Euclid)).Should().Throw<ArgumentException>().WithMessage("*not a finite number*");
    }
}

public sealed class SemanticCellAssignerTests
{
    private static SemanticCellAssigner Grid(int nprobe = 2) =>

        // Four centroids on a line: 0, 10, 20, 30.
        new(generation: 3, dimension: 2, Distance.Euclid, [0, 0, 10, 0, 20, 0, 30, 0], nprobe);

    [Fact]
    public void A_point_belongs_to_its_nearest_centroid_and_its_key_carries_the_generation()
    {
        var assigner = Grid();

        assigner.CellOf(PointKey.FromUlong(1), [12, 1]).Should().Be(1);
        assigner.CellOf(PointKey.FromUlong(1), [26, -3]).Should().Be(3);
        assigner.CellDependsOnVector.Should().BeTrue();
        assigner.Key(2).Should().Be((3L << 20) + 2);
        new HashCellAssigner(16).Key(5).Should().Be(5, "hash cells are generation 0: the key is the cell");
    }

    [Fact]
    public void A_query_probes_its_nprobe_nearest_cells_and_a_request_may_ask_for_more_or_all()
    {
        var assigner = Grid(nprobe: 2);

        assigner.CellsToProbe([14, 0]).ToString().Should().Be("1-2");
        assigner.CellsToProbe([14, 0], 1).ToString().Should().Be("1");
        assigner.CellsToProbe([14, 0], 3).ToString().Should().Be("0-2");
        assigner.CellsToProbe([14, 0], int.MaxValue).ToString().Should().Be("0-3");
    }

    [Fact]
    public void Cosine_compares_directions_not_lengths()
    {
        var assigner = new SemanticCellAssigner(1, 2, Distance.Cosine, [1, 0, 0, 5], nprobe: 1);

        assigner.CellOf(PointKey.FromUlong(1), [100, 90]).Should().Be(0);
        assigner.CellOf(PointKey.FromUlong(1), [0.1f, 0.2f]).Should().Be(1);
        VectorMath.Dot(assigner.Centroid(1), assigner.Centroid(1)).Should().BeApproximately(1, 1e-6f);
    }

    [Fact]
    public void A_vector_of_the_wrong_dimension_and_bad_parameters_are_refused()
    {
        FluentActions.Invoking(() => Grid().CellOf(PointKey.FromUlong(1), [1, 2, 3])).Should().Throw<ArgumentException>().WithMessage("*expected 2 components, got 3*");
        FluentActions.Invoking(() => new SemanticCellAssigner(0, 2, Distance.Euclid, [0, 0], 1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new SemanticCellAssigner(1, 2, Distance.Euclid, [0, 0, 1], 1)).Should().Throw<ArgumentException>().WithMessage("*not a positive multiple of the dimension 2*");
        FluentActions.Invoking(() => new SemanticCellAssigner(1, 1, Distance.Euclid, [float.PositiveInfinity], 1)).Should().Throw<ArgumentException>().WithMessage("*cell 0 component 0 is not a finite number*");
    }

    [Fact]
    public void Centroids_survive_the_base64_encoding_bit_for_bit()
    {
        float[] values = [0.1f, -3.5e-8f, float.MaxValue, 1 / 3f];

        SemanticCellAssigner.DecodeCentroids(SemanticCellAssigner.EncodeCentroids(values), out var error).Should().Equal(values);
        error.Should().BeNull();
        SemanticCellAssigner.DecodeCentroids("not base64!", out error).Should().BeNull();
        error.Should().Be("is not base64");
        SemanticCellAssigner.DecodeCentroids(Convert.ToBase64String([1, 2, 3]), out error).Should().BeNull();
        error.Should().Contain("3 bytes");
    }
}

public sealed class CellBalancingTests
{
    [Fact]
    public void Cells_of_uneven_size_are_spread_so_that_points_not_cells_are_balanced()
    {
        long[] points = [900, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100];

        var owner = CellBalancer.Balance(points, 2);

        var loads = Enumerable.Range(0, 2).Select(s => Enumerable.Range(0, points.Length).Where(c => owner[c] == s).Sum(c => points[c])).ToArray();
        loads.Should().Equal(1000, 1000);
        Enumerable.Range(0, points.Length).Count(c => owner[c] == owner[0]).Should().Be(2, "the big cell's shard takes one small cell, the other ten");
    }

    [Fact]
    public void Every_shard_gets_a_cell_and_no_shard_exceeds_the_mean_by_more_than_the_largest_cell()
    {
        var random = new Random(9);
        for (var round = 0; round < 50; round++)
        {
            var shards = random.Next(1, 9);
            var points = Enumerable.Range(0, shards * random.Next(1, 6)).Select(_ => (long)random.Next(0, 1000)).ToArray();
            var owner = CellBalancer.Balance(points, shards);
            var loads = Enumerable.Range(0, shards).Select(s => Enumerable.Range(0, points.Length).Where(c => owner[c] == s).Sum(c => points[c])).ToArray();
            Enumerable.Range(0, shards).Should().OnlyContain(s => owner.Contains(s));
            if (points.Sum() > 0) loads.Max().Should().BeLessThanOrEqualTo((long)Math.Ceiling((double)points.Sum() / shards) + points.Max());
        }
    }

    [Fact]
    public void Training_gives_each_shard_one_contiguous_range_and_estimates_the_points_per_cell()
    {
        var (points, _, _) = Blobs.Make(seed: 4, clusters: 12, perCluster: 25, dimension: 8, spread: 0.2);

        var partition = SemanticPartitioner.Train(points, new SemanticTraining
        {
            Generation = 1,
            Shards = 3,
            CellsPerShard = 4,
            Nprobe = 2,
            Distance = Distance.Euclid,
            TotalPoints = 3000,
        });

        partition.Assigner.CellCount.Should().Be(12);
        partition.Ownership.Shards.Values.Should().OnlyContain(cells => cells.Ranges.Length == 1, "cells are renumbered shard by shard");
        partition.CellPoints.Sum().Should().BeCloseTo(3000, 12);
        partition.ShardPoints().Values.Should().OnlyContain(p => p > 0);

        // The renumbered centroids are the trained ones: each training point's cell is the one the assigner gives.
        for (var p = 0; p < points.Count; p++)
        {
            partition.Assigner.CellOf(PointKey.FromUlong(1), points[p]).Should().Be(partition.Training.Assignment[p]);
        }
    }
}

public sealed class SemanticRebalancePlannerTests
{
    [Fact]
    public void Growing_by_one_shard_moves_about_one_share_of_the_points_all_to_the_new_shard()
    {
        for (var n = 2; n <= 8; n++)
        {
            var cells = n * 8;
            var current = RebalancePlanner.InitialAssignment(cells, n);
            var points = Enumerable.Repeat(1000L, cells).ToArray();

            var plan = SemanticRebalancePlanner.Plan(current, points, n + 1);

            plan.Moves.Should().OnlyContain(m => m.To == n, $"N={n}: only the new shard receives cells");
            var moved = (double)plan.Summary.EstimatedPointsMoved!.Value / points.Sum();
            moved.Should().BeApproximately(1.0 / (n + 1), 1.0 / cells, $"N={n}");
            plan.Summary.EstimatedPointsMoved.Should().BeGreaterThanOrEqualTo(plan.Summary.MinimumPointsMoved!.Value - 1000);
            Loads(plan.After, points).Values.Max().Should().BeLessThanOrEqualTo((long)(points.Sum() / (n + 1.0) * 1.05) + 1000);
        }
    }

    [Fact]
    public void Shrinking_drains_only_the_removed_shards()
    {
        var current = RebalancePlanner.InitialAssignment(32, 4);
        var points = Enumerable.Range(0, 32).Select(c => 100L + (c * 7 % 50)).ToArray();

        var plan = SemanticRebalancePlanner.Plan(current, points, 2);

        plan.Moves.Should().OnlyContain(m => m.From >= 2 && m.To < 2);
        plan.After.CellsOf(2).IsEmpty.Should().BeTrue();
        plan.After.CellsOf(3).IsEmpty.Should().BeTrue();
        var loads = Loads(plan.After, points);
        Math.Abs(loads[0] - loads[1]).Should().BeLessThanOrEqualTo(points.Max(), "points, not cells, are balanced");
    }

    [Fact]
    public void Uneven_cells_are_balanced_by_points_while_moving_few_points()
    {
        // Shard 0 holds two heavy cells, shard 1 light ones: a balanced result must move a heavy cell or several light ones.
        var current = new CellAssignment(8, new Dictionary<int, CellSet> { [0] = CellSet.Parse("0-3"), [1] = CellSet.Parse("4-7") });
        long[] points = [5000, 5000, 100, 100, 100, 100, 100, 100];

        var plan = SemanticRebalancePlanner.Plan(current, points, 2);

        var loads = Loads(plan.After, points);
        Math.Abs(loads[0] - loads[1]).Should().BeLessThan(5000);
        plan.Summary.EstimatedPointsMoved.Should().BeLessThanOrEqualTo(5000, "one heavy cell is the cheapest fix");
    }

    [Fact]
    public void A_balanced_collection_at_its_shard_count_needs_no_move()
    {
        var current = RebalancePlanner.InitialAssignment(16, 4);

        var plan = SemanticRebalancePlanner.Plan(current, Enumerable.Repeat(10L, 16).ToArray(), 4);

        plan.Moves.Should().BeEmpty();
    }

    [Fact]
    public void Empty_cells_are_spread_by_count_so_a_new_shard_still_gets_cells()
    {
        var plan = SemanticRebalancePlanner.Plan(RebalancePlanner.InitialAssignment(12, 3), new long[12], 4);

        plan.After.CellsOf(3).Count.Should().Be(3);
    }

    [Fact]
    public void More_shards_than_cells_is_refused_with_a_hint_to_retrain()
    {
        FluentActions.Invoking(() => SemanticRebalancePlanner.Plan(RebalancePlanner.InitialAssignment(4, 2), new long[4], 5))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*re-train*");
    }

    private static Dictionary<int, long> Loads(CellAssignment assignment, long[] points) =>
        assignment.Shards.ToDictionary(kv => kv.Key, kv => kv.Value.Cells().Sum(c => points[c]));
}
