using FluentAssertions;
using System.Text.Json.Nodes;

namespace RagOperator.Router.Tests.Support;

internal static class OracleAssert
{
    /// <summary>
    /// The router's hits equal the exact top-k: the same ids in the same order and scores within 1e-4. Qdrant
    /// computes in 32-bit floats and the oracle in doubles, so two oracle scores closer than 1e-5 may legitimately
    /// come out in either order; such near-ties are compared as a group.
    /// </summary>
    public static void Matches(JsonNode? result, IReadOnlyList<(ulong Id, double Score)> expected, string because)
    {
        var ids = Requests.Ids(result);
        var scores = Requests.Scores(result);
        ids.Should().HaveCount(expected.Count, because);
        for (var i = 0; i < expected.Count; i++)
        {
            scores[i].Should().BeApproximately(expected[i].Score, 1e-4, $"{because}: score at rank {i}");
        }

        var start = 0;
        while (start < expected.Count)
        {
            var end = start;
            while (end + 1 < expected.Count && Math.Abs(expected[end + 1].Score - expected[end].Score) < 1e-5)
            {
                end++;
            }

            var group = expected.Skip(start).Take(end - start + 1).Select(e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ids.Skip(start).Take(end - start + 1).Should().BeEquivalentTo(group, $"{because}: ids at ranks {start}..{end}");
            start = end + 1;
        }
    }
}
