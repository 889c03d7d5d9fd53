using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class RoutingTableParsingTests
{
    private const string Valid = """
        {
          "collection": "docs", "namespace": "default", "version": 7, "strategy": "hash",
          "hash": { "slots": 16 },
          "dimension": 384, "distance": "Cosine",
          "shards": [
            { "id": 0, "endpoint": "http://docs-shard-0.default.svc:6333", "cells": "0-7" },
            { "id": 1, "endpoint": "http://docs-shard-1.default.svc:6333", "cells": "8-15" },
            { "id": 2, "endpoint": "http://docs-shard-2.default.svc:6333", "cells": "" }
          ],
          "migration": { "id": "docs-2to3-v7", "rule": "ReadOldWriteBoth",
                         "moves": [ { "cells": "13-15", "from": 1, "to": 2 }, { "cells": "5-7", "from": 0, "to": 2 } ] }
        }
        """;

    [Fact]
    public void A_valid_document_parses_into_its_parts()
    {
        var table = RoutingTable.Parse(Valid);

        table.Collection.Should().Be("docs");
        table.Namespace.Should().Be("default");
        table.Version.Should().Be(7);
        table.Strategy.Should().Be("hash");
        table.CellCount.Should().Be(16);
        table.Dimension.Should().Be(384);
        table.Distance.Should().Be(Distance.Cosine);
        table.Shards.Select(s => s.Cells.ToString()).Should().Equal("0-7", "8-15", "");
        table.Migration!.Rule.Should().Be(MigrationRule.ReadOldWriteBoth);
        table.Migration.Moves.Select(m => m.ToString()).Should().Equal("5-7 : 0 -> 2", "13-15 : 1 -> 2");
    }

    [Fact]
    public void ToJson_is_stable_and_round_trips()
    {
        var table = RoutingTable.Parse(Valid);

        var json = table.ToJson();
        var again = RoutingTable.Parse(json);

        again.ToJson().Should().Be(json);
        again.ToJson(indented: false).Should().Be(table.ToJson(indented: false));
        table.ToJson(indented: false).Should().StartWith("""{"collection":"docs","namespace":"default","version":7,"strategy":"hash","hash":{"slots":16},"dimension":384,"distance":"Cosine","shards":[""");
        table.AbandonMigration(8).ToJson(indented: false).Should().EndWith("\"migration\":null}");
    }

    [Fact]
    public void Random_valid_tables_round_trip_through_json()
    {
        var random = new Random(11);
        for (var i = 0; i < 200; i++)
        {
            var table = RandomTables.Create(random);
            var parsed = RoutingTable.Parse(table.ToJson());

            parsed.ToJson().Should().Be(table.ToJson());
            parsed.SameDocumentAs(table).Should().BeTrue();
        }
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "$.strategy = 'consistent'", "strategy 'consistent' is unknown; supported strategies: hash" },
        { "$.strategy = 'semantic'", "semantic is missing; the semantic strategy needs" },
        { "$.version = 0", "version 0 is invalid: versions start at 1" },
        { "$.version = -4", "version -4 is invalid" },
        { "$.version = 'seven'", "version must be an integer" },
        { "$.dimension = 0", "dimension 0 is invalid" },
        { "$.distance = 'cosine'", "distance 'cosine' is unknown; expected Cosine, Dot, Euclid or Manhattan" },
        { "$.collection = ''", "collection is empty" },
        { "$.hash.slots = 0", "hash.slots 0 is out of range" },
        { "$.shards = []", "the table has no shards" },
        { "$.shards[1].cells = '7-15'", "cell 7 is owned by both shard 0 and shard 1" },
        { "$.shards[1].cells = '4-15'", "cells 4-7 are owned by both shard 0 and shard 1" },
        { "$.shards[1].cells = '9-15'", "cell 8 is owned by no shard" },
        { "$.shards[1].cells = '8-12'", "cells 13-15 are owned by no shard" },
        { "$.shards[1].cells = '8-20'", "shard 1 owns cells 16-20 but there are only 16 cells (0-15)" },
        { "$.shards[1].cells = '8-x'", "shards[1].cells: cell list '8-x'" },
        { "$.shards[2].id = 1", "shard id 1 appears more than once" },
        { "$.shards[2].endpoint = 'docs-shard-2:6333'", "shard 2: endpoint 'docs-shard-2:6333' is not an absolute http(s) URL" },
        { "$.migration.rule = 'ReadSomewhere'", "migration.rule 'ReadSomewhere' is unknown" },
        { "$.migration.moves[0].from = 0", "shard 0 does not own cells 13-15" },
        { "$.migration.moves[0].to = 9", "targets shard 9, which is not in the table" },
        { "$.migration.moves[0].from = 9", "starts from shard 9, which is not in the table" },
        { "$.migration.moves[0].to = 1", "moves cells from a shard to itself" },
        { "$.migration.moves[0].cells = '5-7'; $.migration.moves[0].from = 0", "both move cells 5-7" },
        { "$.migration.moves = []", "migration has no moves" },
        { "$.migration.id = ''", "migration.id is empty" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void An_inconsistent_table_is_rejected_with_a_message_naming_the_problem(string edits, string expected)
    {
        var json = Edit(Valid, edits);

        var act = () => RoutingTable.Parse(json);

        act.Should().Throw<RoutingTableException>().Which.Message.Should().Contain(expected);
        RoutingTable.Validate(json).Should().Contain(p => p.Contains(expected));
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{}", "collection is missing")]
    public void A_document_that_is_not_a_table_is_rejected(string json, string expected)
    {
        FluentActions.Invoking(() => RoutingTable.Parse(json)).Should().Throw<RoutingTableException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void Every_problem_is_reported_not_only_the_first()
    {
        var json = Edit(Valid, "$.version = 0; $.dimension = -1; $.shards[2].endpoint = 'nope'");

        RoutingTable.Validate(json).Should().HaveCount(3);
    }

    [Fact]
    public void A_valid_document_has_no_problems()
    {
        RoutingTable.Validate(Valid).Should().BeEmpty();
        RoutingTable.Parse(Valid).Validate();
    }

    [Fact]
    public void Unknown_properties_are_ignored_so_newer_tables_stay_readable()
    {
        var json = Edit(Valid, "$.future = 'field'; $.shards[0].zone = 'a'");

        RoutingTable.Parse(json).Version.Should().Be(7);
    }

    /// <summary>Applies "$.a.b[1].c = value" edits (value: number, 'string' or []).</summary>
    private static string Edit(string json, string edits)
    {
        var root = JsonNode.Parse(json)!;
        foreach (var edit in edits.Split(';', StringSplitOptions.TrimEntries))
        {
            var (path, value) = (edit[..edit.IndexOf('=')].Trim(), edit[(edit.IndexOf('=') + 1)..].Trim());
            var segments = path[2..].Replace("]", "").Split('.', '[');
            var parent = root;
            for (var i = 0; i < segments.Length - 1; i++)
            {
                parent = int.TryParse(segments[i], out var index) ? parent[index]! : parent[segments[i]]!;
            }

            JsonNode? node = value.StartsWith('\'') ? JsonValue.Create(value.Trim('\'')) : JsonNode.Parse(value);
            var last = segments[^1];
            if (int.TryParse(last, out var at))
            {
                parent[at] = node;
            }
            else
            {
                parent[last] = node;
            }
        }

        return root.ToJsonString();
    }
}
