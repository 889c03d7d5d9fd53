namespace RagOperator.Routing;

/// <summary>The settings of one k-means training.</summary>
public sealed record KMeansOptions
{
    /// <summary>Seed of the k-means++ initialisation; the same seed and points always give the same centroids.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Upper bound on Lloyd iterations; training stops earlier once no point changes its cluster.</summary>
    public int MaxIterations { get; init; } = 25;

    /// <summary>Assign points on every core (each point's assignment is independent, so the result stays deterministic).</summary>
    public bool Parallel { get; init; } = true;
}

/// <summary>Trained centroids (row by row, <see cref="Clusters"/> × <see cref="Dimension"/>) and how the points fell into them.</summary>
public sealed record KMeansResult(float[] Centroids, int Clusters, int Dimension, int[] Assignment, long[] Sizes, int Iterations, bool Converged)
{
    public ReadOnlySpan<float> Centroid(int cluster) => Centroids.AsSpan(cluster * Dimension, Dimension);
}

/// <summary>
/// k-means for the semantic strategy (pure, deterministic): k-means++ initialisation from a fixed seed, then a bounded
/// number of Lloyd iterations under the collection's distance.
/// <list type="bullet">
/// <item>Cosine: spherical k-means — points and centroids are unit length, a point joins the centroid of highest
/// cosine similarity, a centroid is its members' normalised mean.</item>
/// <item>Euclid: classic k-means (nearest by squared distance, mean centroids).</item>
/// <item>Dot: a point joins the centroid of highest inner product (what a Dot query's probe asks for); centroids are
/// means. Inner product is not a metric, so this is a heuristic, but it is the one that agrees with query routing.</item>
/// <item>Manhattan: nearest by L1 distance; centroids are means (the L1-optimal centre would be the coordinate-wise
/// median; the mean is cheaper and routing only needs a consistent nearest-centroid rule).</item>
/// </list>
/// The k-means++ seeding draws each next centre with probability proportional to the squared Euclidean distance to the
/// nearest centre chosen so far (L1 distance for Manhattan), on the unit-length points for Cosine. An empty cluster is
/// given the point farthest from its centroid, so every centroid owns at least one point while there are enough points.
/// </summary>
public static class KMeans
{
    public static KMeansResult Train(IReadOnlyList<float[]> points, int clusters, Distance distance, KMeansOptions? options = null)
    {
        options ??= new KMeansOptions();
        if (points.Count == 0) throw new ArgumentException("k-means needs at least one point", nameof(points));
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        if (clusters > points.Count)
        {
            throw new ArgumentException($"k-means cannot make {clusters} clusters out of {points.Count} points; sample at least as many points as cells", nameof(clusters));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxIterations, 1, nameof(options));
        var dimension = points[0].Length;
        if (dimension == 0) throw new ArgumentException("k-means needs vectors with at least one component", nameof(points));

        // One contiguous copy: unit length for Cosine, so that training sees what routing compares.
        var data = new float[points.Count * dimension];
        for (var p = 0; p < points.Count; p++)
        {
            if (points[p].Length != dimension)
            {
                throw new ArgumentException($"point {p} has {points[p].Length} components, the first has {dimension}", nameof(points));
            }

            var row = data.AsSpan(p * dimension, dimension);
            points[p].CopyTo(row);
            foreach (var value in row)
            {
                if (!float.IsFinite(value)) throw new ArgumentException($"point {p} has a component that is not a finite number", nameof(points));
            }

            if (distance == Distance.Cosine) VectorMath.Normalize(row);
        }

        var n = points.Count;
        var centroids = Seed(data, n, dimension, clusters, distance, new Random(options.Seed));
        var assignment = new int[n];
        Array.Fill(assignment, -1);
        var iterations = 0;
        var converged = false;
        long[] sizes = [];
        while (iterations < options.MaxIterations)
        {
            iterations++;
            var changed = Assign(data, n, dimension, centroids, clusters, distance, assignment, options.Parallel);
            sizes = Update(data, n, dimension, centroids, clusters, distance, assignment);
            if (changed == 0)
            {
                converged = true;
                break;
            }
        }

        // The centroids moved in the last update: the final assignment is against them.
        Assign(data, n, dimension, centroids, clusters, distance, assignment, options.Parallel);
        sizes = new long[clusters];
        foreach (var cluster in assignment) sizes[cluster]++;
        return new KMeansResult(centroids, clusters, dimension, assignment, sizes, iterations, converged);
    }

    private static float[] Seed(float[] data, int n, int dimension, int clusters, Distance distance, Random random)
    {
        var centroids = new float[clusters * dimension];
        var nearest = new double[n];
        var first = random.Next(n);
        data.AsSpan(first * dimension, dimension).CopyTo(centroids);
        for (var p = 0; p < n; p++) nearest[p] = SeedDistance(distance, Row(data, p, dimension), centroids.AsSpan(0, dimension));
        for (var c = 1; c < clusters; c++)
        {
            var total = 0.0;
            foreach (var d in nearest) total += d;
            int chosen;
            if (total <= 0)
            {
                // Every point sits on a centre already (duplicates): take any point not chosen yet, deterministically.
                chosen = random.Next(n);
            }
            else
            {
                var target = random.NextDouble() * total;
                chosen = n - 1;
                var running = 0.0;
                for (var p = 0; p < n; p++)
                {
                    running += nearest[p];
                    if (running >= target && nearest[p] > 0)
                    {
                        chosen = p;
                        break;
                    }
                }
            }

            var centre = centroids.AsSpan(c * dimension, dimension);
            Row(data, chosen, dimension).CopyTo(centre);
            for (var p = 0; p < n; p++) nearest[p] = Math.Min(nearest[p], SeedDistance(distance, Row(data, p, dimension), centre));
        }

        return centroids;
    }

    private static double SeedDistance(Distance distance, ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        distance == Distance.Manhattan ? VectorMath.Manhattan(a, b) : VectorMath.SquaredEuclid(a, b);

    private static int Assign(float[] data, int n, int dimension, float[] centroids, int clusters, Distance distance, int[] assignment, bool parallel)
    {
        var changed = 0;
        void One(int p)
        {
            var cluster = VectorMath.Nearest(distance, data.AsSpan(p * dimension, dimension), centroids, clusters);
            if (assignment[p] != cluster)
            {
                assignment[p] = cluster;
                Interlocked.Increment(ref changed);
            }
        }

        if (parallel && n * (long)clusters * dimension > 1_000_000)
        {
            System.Threading.Tasks.Parallel.For(0, n, One);
        }
        else
        {
            for (var p = 0; p < n; p++) One(p);
        }

        return changed;
    }

    private static long[] Update(float[] data, int n, int dimension, float[] centroids, int clusters, Distance distance, int[] assignment)
    {
        var sums = new double[clusters * dimension];
        var sizes = new long[clusters];
        for (var p = 0; p < n; p++)
        {
            var cluster = assignment[p];
            sizes[cluster]++;
            var row = Row(data, p, dimension);
            var offset = cluster * dimension;
            for (var i = 0; i < dimension; i++) sums[offset + i] += row[i];
        }

        var taken = new HashSet<int>();
        for (var c = 0; c < clusters; c++)
        {
            var centre = centroids.AsSpan(c * dimension, dimension);
            if (sizes[c] == 0)
            {
                // Re-seed an empty cluster with the point worst served by its centroid, so no cell stays empty.
                var worst = Farthest(data, n, dimension, centroids, distance, assignment, taken);
                taken.Add(worst);
                Row(data, worst, dimension).CopyTo(centre);
                continue;
            }

            for (var i = 0; i < dimension; i++) centre[i] = (float)(sums[(c * dimension) + i] / sizes[c]);
            if (distance == Distance.Cosine) VectorMath.Normalize(centre);
        }

        return sizes;
    }

    private static int Farthest(float[] data, int n, int dimension, float[] centroids, Distance distance, int[] assignment, HashSet<int> taken)
    {
        var worst = -1;
        var worstCost = float.NegativeInfinity;
        for (var p = 0; p < n; p++)
        {
            if (taken.Contains(p)) continue;
            var cost = VectorMath.Cost(distance, Row(data, p, dimension), centroids.AsSpan(assignment[p] * dimension, dimension));
            if (cost > worstCost)
            {
                worstCost = cost;
                worst = p;
            }
        }

        return worst < 0 ? 0 : worst;
    }

    private static ReadOnlySpan<float> Row(float[] data, int p, int dimension) => data.AsSpan(p * dimension, dimension);
}
