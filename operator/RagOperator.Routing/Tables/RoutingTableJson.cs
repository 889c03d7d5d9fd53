using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace RagOperator.Routing;

/// <summary>
/// Reads and writes the routing table document by hand rather than by reflection, so that every structural
/// problem is reported with its path and the output has one fixed layout. Unknown properties are ignored so that
/// an older router can read a table that carries fields it does not know.
/// </summary>
internal static class RoutingTableJson
{
    public static RoutingTable Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new RoutingTableException($"routing table is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RoutingTableException($"routing table must be a JSON object, not a {Kind(root)}");
            }

            var problems = new List<string>();
            var collection = ReadString(root, "collection", problems) ?? "";
            var @namespace = ReadString(root, "namespace", problems) ?? "";
            var version = ReadLong(root, "version", problems) ?? 0;
            var dimension = (int)Math.Clamp(ReadLong(root, "dimension", problems) ?? 0, int.MinValue, int.MaxValue);
            var distance = ReadEnum<Distance>(root, "distance", "Cosine, Dot, Euclid or Manhattan", problems);
            var assigner = ReadStrategy(root, "", dimension, distance, problems);
            var shards = ReadShards(root, problems);
            var migration = ReadMigration(root, dimension, distance, problems);

            if (problems.Count > 0 || assigner is null)
            {
                throw RoutingTableValidator.Fail(collection, version, problems);
            }

            return RoutingTable.Create(collection, @namespace, version, assigner, dimension, distance, shards, migration);
        }
    }

    public static string Write(RoutingTable table, bool indented)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteString("collection", table.Collection);
            writer.WriteString("namespace", table.Namespace);
            writer.WriteNumber("version", table.Version);
            writer.WriteString("strategy", table.Strategy);
            writer.WritePropertyName(table.Strategy);
            table.Assigner.WriteParameters(writer);
            writer.WriteNumber("dimension", table.Dimension);
            writer.WriteString("distance", table.Distance.ToString());
            writer.WriteStartArray("shards");
            foreach (var shard in table.Shards)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", shard.Id);
                writer.WriteString("endpoint", shard.Endpoint);
                writer.WriteString("cells", shard.Cells.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (table.Migration is null)
            {
                writer.WriteNull("migration");
            }
            else
            {
                writer.WriteStartObject("migration");
                writer.WriteString("id", table.Migration.Id);
                writer.WriteString("rule", table.Migration.Rule.ToString());
                writer.WriteStartArray("moves");
                foreach (var move in table.Migration.Moves)
                {
                    writer.WriteStartObject();
                    writer.WriteString("cells", move.Cells.ToString());
                    writer.WriteNumber("from", move.From);
                    writer.WriteNumber("to", move.To);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                if (table.Migration.Next is { } next)
                {
                    writer.WriteStartObject("next");
                    writer.WriteString("strategy", next.Assigner.Strategy);
                    writer.WritePropertyName(next.Assigner.Strategy);
                    next.Assigner.WriteParameters(writer);
                    writer.WriteStartArray("shards");
                    foreach (var (id, cells) in next.Ownership.Shards)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("id", id);
                        writer.WriteString("cells", cells.ToString());
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The strategy and its parameter object, found in <paramref name="parent"/>; <paramref name="prefix"/> is its path ("" or "migration.next.").</summary>
    private static CellAssigner? ReadStrategy(JsonElement parent, string prefix, int dimension, Distance distance, List<string> problems)
    {
        var strategy = ReadString(parent, "strategy", problems, prefix + "strategy");
        switch (strategy)
        {
            case null:
                return null;
            case HashCellAssigner.StrategyName:
                if (!parent.TryGetProperty("hash", out var hash) || hash.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{prefix}hash is missing; the hash strategy needs {{ \"slots\": N }}");
                    return null;
                }

                var slots = ReadLong(hash, "slots", problems, $"{prefix}hash.slots");
                if (slots is null)
                {
                    return null;
                }

                if (slots is < 1 or > HashCellAssigner.MaxSlots)
                {
                    problems.Add($"{prefix}hash.slots {slots} is out of range 1-{HashCellAssigner.MaxSlots}");
                    return null;
                }

                return new HashCellAssigner((int)slots.Value);
            case SemanticCellAssigner.StrategyName:
                return ReadSemantic(parent, prefix, dimension, distance, problems);
            default:
                problems.Add($"{prefix}strategy '{strategy}' is unknown; supported strategies: hash, semantic");
                return null;
        }
    }

    private static SemanticCellAssigner? ReadSemantic(JsonElement parent, string prefix, int dimension, Distance distance, List<string> problems)
    {
        var path = prefix + "semantic";
        if (!parent.TryGetProperty("semantic", out var semantic) || semantic.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path} is missing; the semantic strategy needs {{ \"generation\", \"cells\", \"nprobe\", \"centroids\" }}");
            return null;
        }

        var generation = ReadLong(semantic, "generation", problems, $"{path}.generation");
        var cells = ReadLong(semantic, "cells", problems, $"{path}.cells");
        var nprobe = ReadLong(semantic, "nprobe", problems, $"{path}.nprobe");
        var encoded = ReadString(semantic, "centroids", problems, $"{path}.centroids");
        var count = problems.Count;
        if (generation is < 1 or > SemanticCellAssigner.MaxGeneration)
        {
            problems.Add($"{path}.generation {generation} is out of range 1-{SemanticCellAssigner.MaxGeneration}");
        }

        if (cells is < 1 or > SemanticCellAssigner.MaxCells)
        {
            problems.Add($"{path}.cells {cells} is out of range 1-{SemanticCellAssigner.MaxCells}");
        }

        if (nprobe is < 1)
        {
            problems.Add($"{path}.nprobe {nprobe} must be at least 1");
        }

        if (dimension < 1)
        {
            // The table's own dimension problem is reported already; without it the centroids cannot be checked.
            return null;
        }

        if (generation is null || cells is null || nprobe is null || encoded is null || problems.Count > count)
        {
            return null;
        }

        var centroids = SemanticCellAssigner.DecodeCentroids(encoded, out var error);
        if (centroids is null)
        {
            problems.Add($"{path}.centroids {error}");
            return null;
        }

        if (centroids.Length != cells * dimension)
        {
            problems.Add($"{path}.centroids holds {centroids.Length} values but {cells} cells of dimension {dimension} need {cells * dimension}");
            return null;
        }

        try
        {
            return new SemanticCellAssigner((int)generation.Value, dimension, distance, centroids, (int)Math.Min(nprobe.Value, int.MaxValue));
        }
        catch (ArgumentException e)
        {
            problems.Add($"{path}: {e.Message.Split(" (Parameter", 2)[0]}");
            return null;
        }
    }

    private static Repartition? ReadNext(JsonElement migration, int dimension, Distance distance, List<string> problems)
    {
        if (!migration.TryGetProperty("next", out var next) || next.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (next.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"migration.next must be null or an object, not a {Kind(next)}");
            return null;
        }

        var assigner = ReadStrategy(next, "migration.next.", dimension, distance, problems);
        if (!next.TryGetProperty("shards", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            problems.Add("migration.next.shards is missing or not an array");
            return null;
        }

        var owners = new Dictionary<int, CellSet>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"migration.next.shards[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path} must be an object, not a {Kind(element)}");
                continue;
            }

            var id = ReadLong(element, "id", problems, $"{path}.id");
            var cells = ReadCells(element, "cells", problems, $"{path}.cells");
            if (id is < 0 or > int.MaxValue)
            {
                problems.Add($"{path}.id {id} is out of range 0-{int.MaxValue}");
            }
            else if (id is not null && cells is not null && !owners.TryAdd((int)id.Value, cells))
            {
                problems.Add($"{path}.id {id} appears more than once");
            }
        }

        if (assigner is null)
        {
            return null;
        }

        var ownership = new List<string>();
        OwnershipChecks.Check(assigner.CellCount, owners.Select(kv => (kv.Key, kv.Value)), "next shard", ownership);
        if (ownership.Count > 0)
        {
            problems.AddRange(ownership.Select(p => $"migration.next: {p}"));
            return null;
        }

        return new Repartition(assigner, new CellAssignment(assigner.CellCount, owners));
    }

    private static List<RoutingShard> ReadShards(JsonElement root, List<string> problems)
    {
        var shards = new List<RoutingShard>();
        if (!root.TryGetProperty("shards", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            problems.Add("shards is missing or not an array");
            return shards;
        }

        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"shards[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path} must be an object, not a {Kind(element)}");
                continue;
            }

            var id = ReadLong(element, "id", problems, $"{path}.id");
            var endpoint = ReadString(element, "endpoint", problems, $"{path}.endpoint");
            var cells = ReadCells(element, "cells", problems, $"{path}.cells");
            if (id is null)
            {
                continue;
            }

            if (id is < 0 or > int.MaxValue)
            {
                problems.Add($"{path}.id {id} is out of range 0-{int.MaxValue}");
            }
            else if (endpoint is not null && cells is not null)
            {
                shards.Add(new RoutingShard((int)id.Value, endpoint, cells));
            }
        }

        return shards;
    }

    private static TableMigration? ReadMigration(JsonElement root, int dimension, Distance distance, List<string> problems)
    {
        if (!root.TryGetProperty("migration", out var migration) || migration.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (migration.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"migration must be null or an object, not a {Kind(migration)}");
            return null;
        }

        var id = ReadString(migration, "id", problems, "migration.id");
        var rule = ReadEnum<MigrationRule>(migration, "rule", "ReadOldWriteBoth, ReadNewWriteBoth or ReadNewWriteNew", problems, "migration.rule");
        var moves = ImmutableArray.CreateBuilder<CellMove>();
        if (!migration.TryGetProperty("moves", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            problems.Add("migration.moves is missing or not an array");
            return null;
        }

        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"migration.moves[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path} must be an object, not a {Kind(element)}");
                continue;
            }

            var cells = ReadCells(element, "cells", problems, $"{path}.cells");
            var from = ReadLong(element, "from", problems, $"{path}.from");
            var to = ReadLong(element, "to", problems, $"{path}.to");
            if (from is null || to is null)
            {
                continue;
            }

            if (from is < 0 or > int.MaxValue || to is < 0 or > int.MaxValue)
            {
                problems.Add($"{path}: shard ids must be between 0 and {int.MaxValue}");
            }
            else if (cells is not null)
            {
                moves.Add(new CellMove(cells, (int)from.Value, (int)to.Value));
            }
        }

        var next = ReadNext(migration, dimension, distance, problems);
        return id is null ? null : new TableMigration(id, rule, moves.ToImmutable(), next);
    }

    private static string? ReadString(JsonElement parent, string name, List<string> problems, string? path = null)
    {
        path ??= name;
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{path} is missing");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{path} must be a string, not a {Kind(value)}");
            return null;
        }

        return value.GetString();
    }

    private static long? ReadLong(JsonElement parent, string name, List<string> problems, string? path = null)
    {
        path ??= name;
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{path} is missing");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            problems.Add($"{path} must be an integer, not {value.GetRawText()}");
            return null;
        }

        return number;
    }

    private static TEnum ReadEnum<TEnum>(JsonElement parent, string name, string expected, List<string> problems, string? path = null)
        where TEnum : struct, Enum
    {
        path ??= name;
        var text = ReadString(parent, name, problems, path);
        if (text is null)
        {
            return default;
        }

        // Exact spelling only (no numbers, no other case): tables are written by the operator, never by hand-typed aliases.
        if (!Enum.GetNames<TEnum>().Contains(text, StringComparer.Ordinal))
        {
            problems.Add($"{path} '{text}' is unknown; expected {expected}");
            return default;
        }

        return Enum.Parse<TEnum>(text);
    }

    private static CellSet? ReadCells(JsonElement parent, string name, List<string> problems, string path)
    {
        var text = ReadString(parent, name, problems, path);
        if (text is null)
        {
            return null;
        }

        if (!CellSet.TryParse(text, out var cells, out var error))
        {
            problems.Add($"{path}: {error}");
            return null;
        }

        return cells;
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}
