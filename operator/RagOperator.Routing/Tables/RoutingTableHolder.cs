namespace RagOperator.Routing;

/// <summary>What a <see cref="RoutingTableHolder"/> did with an offered table.</summary>
public enum RoutingTableUpdateOutcome
{
    /// <summary>The table is now served.</summary>
    Accepted,

    /// <summary>The same version and content is already served (a watch re-delivering it); nothing changed.</summary>
    AlreadyServing,

    /// <summary>The version is not above the one served; the served table stays.</summary>
    StaleVersion,

    /// <summary>Same version as the served table but different content: a publishing bug; the served table stays.</summary>
    ConflictingVersion,

    /// <summary>The table belongs to another collection or namespace; the served table stays.</summary>
    WrongCollection,

    /// <summary>The document could not be parsed or is inconsistent; the served table stays.</summary>
    Invalid,
}

/// <summary>The result of offering a table to a holder: the outcome, the table now served, and why when rejected.</summary>
public sealed record RoutingTableUpdate(RoutingTableUpdateOutcome Outcome, RoutingTable? Current, string? Reason)
{
    public bool Accepted => Outcome == RoutingTableUpdateOutcome.Accepted;

    /// <summary>True when the offer was refused (not just a repeat of the served table).</summary>
    public bool Rejected => Outcome is not (RoutingTableUpdateOutcome.Accepted or RoutingTableUpdateOutcome.AlreadyServing);
}

/// <summary>
/// Holds the routing table a router serves. Reads are lock-free (one volatile read of an immutable table, so a
/// request keeps using the table it started with while a new one is swapped in). Updates are serialised and
/// accept only a valid table of the expected collection with a higher version; anything else leaves the last good
/// table in place and is reported in the returned <see cref="RoutingTableUpdate"/> and in <see cref="LastRejection"/>.
/// </summary>
public sealed class RoutingTableHolder(string collection, string? @namespace = null)
{
    private readonly Lock updateLock = new();
    private RoutingTable? current;
    private RoutingTableUpdate? lastRejection;

    public string Collection { get; } = collection;

    public string? Namespace { get; } = @namespace;

    /// <summary>The table being served, or null before the first one is accepted.</summary>
    public RoutingTable? Current => Volatile.Read(ref current);

    public bool IsLoaded => Current is not null;

    /// <summary>The served version, 0 before any table is loaded.</summary>
    public long Version => Current?.Version ?? 0;

    /// <summary>The most recent refused offer, kept for health reporting.</summary>
    public RoutingTableUpdate? LastRejection => Volatile.Read(ref lastRejection);

    /// <summary>Parses and offers a document (the data of the routing ConfigMap).</summary>
    public RoutingTableUpdate Offer(string json)
    {
        if (!RoutingTable.TryParse(json, out var table, out var error))
        {
            return Reject(RoutingTableUpdateOutcome.Invalid, $"rejected routing table: {error!.Message}");
        }

        return Offer(table!);
    }

    public RoutingTableUpdate Offer(RoutingTable table)
    {
        lock (updateLock)
        {
            var served = current;
            if (!string.Equals(table.Collection, Collection, StringComparison.Ordinal) ||
                (Namespace is not null && !string.Equals(table.Namespace, Namespace, StringComparison.Ordinal)))
            {
                return Reject(RoutingTableUpdateOutcome.WrongCollection,
                    $"rejected routing table v{table.Version}: it is for collection {table.Namespace}/{table.Collection}, this router serves {Namespace ?? "*"}/{Collection}");
            }

            if (served is not null && table.Version == served.Version)
            {
                return table.SameDocumentAs(served)
                    ? new RoutingTableUpdate(RoutingTableUpdateOutcome.AlreadyServing, served, null)
                    : Reject(RoutingTableUpdateOutcome.ConflictingVersion,
                        $"rejected routing table v{table.Version}: it differs from the served table with the same version; versions must change with content");
            }

            if (served is not null && table.Version < served.Version)
            {
                return Reject(RoutingTableUpdateOutcome.StaleVersion,
                    $"rejected routing table v{table.Version}: the version goes backwards (serving v{served.Version})");
            }

            try
            {
                table.Validate();
            }
            catch (RoutingTableException ex)
            {
                return Reject(RoutingTableUpdateOutcome.Invalid, $"rejected routing table: {ex.Message}");
            }

            Volatile.Write(ref current, table);
            return new RoutingTableUpdate(RoutingTableUpdateOutcome.Accepted, table, null);
        }
    }

    private RoutingTableUpdate Reject(RoutingTableUpdateOutcome outcome, string reason)
    {
        var update = new RoutingTableUpdate(outcome, Current, reason);
        Volatile.Write(ref lastRejection, update);
        return update;
    }
}
