using System.Globalization;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;
using ApiMigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Operator.Migration;

/// <summary>Reasons of the Rebalancing condition (besides the running phase's name, e.g. <c>Copying</c>).</summary>
public static class MigrationReasons
{
    /// <summary>No migration ran yet and the routing table matches spec.shards.</summary>
    public const string Balanced = "Balanced";
    public const string Done = "MigrationDone";
    public const string RolledBack = "RolledBack";

    /// <summary>A Qdrant shard failed or timed out; the step is retried with backoff.</summary>
    public const string ShardUnavailable = "ShardUnavailable";

    /// <summary>The Kubernetes API or a router failed; the step is retried with backoff.</summary>
    public const string ApiError = "ApiError";

    /// <summary>A cancel arrived after the cut-over began; the migration runs to Done.</summary>
    public const string CancelRefused = "CancelRefused";

    /// <summary>spec.shards differs from the routing table but the cancel annotation keeps a migration from starting.</summary>
    public const string Cancelled = "Cancelled";

    /// <summary>spec.shards differs from the routing table, but rebalance.minInterval has not passed since the last migration ended.</summary>
    public const string MinIntervalNotElapsed = "MinIntervalNotElapsed";

    /// <summary>The published routing table contradicts the recorded phase; nothing is changed until a human looks.</summary>
    public const string Halted = "Halted";
}

/// <summary>How the migration shows in status conditions and in the facts the status computer reads.</summary>
internal static class Report
{
    public static void Idle(ReconcileContext context, MigrationStatus? last)
    {
        if (last is null)
        {
            Set(context, false, MigrationReasons.Balanced,
                string.Create(CultureInfo.InvariantCulture, $"the routing table's {context.Table?.Shards.Length} shards match spec.shards; no migration has run"));
            return;
        }

        Terminal(context, last);
    }

    /// <param name="cancelRefusal">Why a cancel asked for during the migration was refused; said with the result.</param>
    public static void Terminal(ReconcileContext context, MigrationStatus migration, string? cancelRefusal = null)
    {
        if (migration.Phase == ApiMigrationPhase.Done)
            Set(context, false, cancelRefusal is null ? MigrationReasons.Done : MigrationReasons.CancelRefused,
                (migration.Message ?? $"migration {migration.Id} is done") + (cancelRefusal is null ? "" : $"; the cancel was refused: {cancelRefusal}"));
        else
            Set(context, false, MigrationReasons.RolledBack, migration.Message ?? $"migration {migration.Id} was rolled back");
    }

    public static void Running(ReconcileContext context, MigrationStatus migration, string reason, string message)
    {
        context.Facts.Rebalancing = true;
        context.Facts.RebalanceMessage = $"migration {migration.Id} ({migration.FromShards} -> {migration.ToShards} shards) is {migration.Phase}: {message}";
        Set(context, true, reason, message);
    }

    public static void Set(ReconcileContext context, bool status, string reason, string message)
    {
        context.Facts.ExtraConditions.RemoveAll(c => c.Type == ConditionTypes.Rebalancing);
        context.Facts.ExtraConditions.Add(new Condition
        {
            Type = ConditionTypes.Rebalancing,
            Status = status ? "True" : "False",
            Reason = reason,
            Message = message,
        });
    }

    /// <summary>"40% (1234 of about 3100 points, 850 points/s, about 2 s left)".</summary>
    public static string Progress(MigrationStatus migration)
    {
        var progress = migration.Progress;
        if (progress is null) return "no points copied yet";
        var estimated = Math.Max(progress.PointsEstimated, progress.PointsCopied);
        var percent = estimated == 0 ? 100 : (int)(100 * progress.PointsCopied / estimated);
        var text = string.Create(CultureInfo.InvariantCulture, $"{percent}% ({progress.PointsCopied} of about {estimated} points");
        if (progress.PointsPerSecond > 0) text += string.Create(CultureInfo.InvariantCulture, $", {progress.PointsPerSecond:0} points/s");
        if (progress.EtaSeconds is { } eta and > 0) text += string.Create(CultureInfo.InvariantCulture, $", about {eta} s left");
        return text + ")";
    }
}
