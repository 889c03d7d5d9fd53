using FluentAssertions;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Workload.Tests;

public sealed class InvariantReportTests
{
    private static RoutingTable TwoShardTable() => RoutingTable.Parse("""
        { "collection": "docs", "namespace": "default", "version": 3, "strategy": "hash", "hash": { "slots": 16 },
          "dimension": 4, "distance": "Cosine",
          "shards": [ { "id": 0, "endpoint": "http://a:6333", "cells": "0-7" }, { "id": 1, "endpoint": "http://b:6333", "cells": "8-15" } ],
          "migration": null }
        """);

    private static int OwnerOf(RoutingTable table, ulong id) => table.NewOwner(table.CellOf(PointKey.FromUlong(id)));

    [Fact]
    public void A_consistent_store_satisfies_every_invariant()
    {
        var table = TwoShardTable();
        var oracle = new AckOracle();
        oracle.Acknowledged(1, 10);
        oracle.Acknowledged(2, 11);
        oracle.Acknowledged(2, AckOracle.Absent);
        var found = new Dictionary<ulong, List<PointCopy>> { [1] = [new PointCopy(OwnerOf(table, 1), 10, null, 5)] };

        var report = InvariantReport.Check(oracle, table, found, failedSearches: 0);

        report.Holds.Should().BeTrue(report.ToString());
        report.PointsAcknowledged.Should().Be(3);
    }

    [Fact]
    public void Every_kind_of_violation_is_counted_and_named()
    {
        var table = TwoShardTable();
        var oracle = new AckOracle();
        oracle.Acknowledged(1, 10);            // will be missing: lost
        oracle.Acknowledged(2, 11);
        oracle.Acknowledged(2, AckOracle.Absent); // will be present: resurrected
        oracle.Acknowledged(3, 12);            // on the wrong shard and on both
        var owner3 = OwnerOf(table, 3);
        var found = new Dictionary<ulong, List<PointCopy>>
        {
            [2] = [new PointCopy(OwnerOf(table, 2), 11, null, 1)],
            [3] = [new PointCopy(owner3, 12, null, 2), new PointCopy(1 - owner3, 12, null, 2)],
        };

        var report = InvariantReport.Check(oracle, table, found, failedSearches: 2);

        report.LostWrites.Should().Be(1);
        report.ResurrectedDeletes.Should().Be(1);
        report.PointsOnWrongOrMultipleShards.Should().Be(1);
        report.FailedSearches.Should().Be(2);
        report.Holds.Should().BeFalse();
        report.ToString().Should().Contain("lost_writes: 1").And.Contain("point 2: deleted but found");
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i).ToList());
        summary.P50.Should().Be(50);
        summary.P99.Should().Be(99);
        summary.Max.Should().Be(100);
    }
}
