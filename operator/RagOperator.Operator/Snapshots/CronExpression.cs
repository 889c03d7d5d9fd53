using System.Globalization;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// A standard 5-field cron expression, evaluated in UTC (pure, no I/O):
/// <code>
/// ┌ minute        0-59
/// │ ┌ hour        0-23
/// │ │ ┌ day       1-31
/// │ │ │ ┌ month   1-12 or JAN-DEC
/// │ │ │ │ ┌ weekday 0-7 or SUN-SAT (0 and 7 are Sunday)
/// * * * * *
/// </code>
/// Each field is <c>*</c> or a comma-separated list of values, ranges <c>a-b</c> and steps <c>*/n</c>, <c>a-b/n</c>,
/// <c>a/n</c> (from a to the field's maximum). Names are case-insensitive. The macros <c>@yearly</c> (<c>@annually</c>),
/// <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c> (<c>@midnight</c>) and <c>@hourly</c> stand for their usual
/// expressions. As in Vixie cron (and Kubernetes CronJobs), when both day-of-month and day-of-week are restricted
/// (neither starts with <c>*</c>) a day matches if either matches; otherwise both must.
/// </summary>
public sealed class CronExpression
{
    private static readonly string[] FieldNames = ["minute", "hour", "day of month", "month", "day of week"];
    private static readonly (int Min, int Max)[] Bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <summary>Searching further than this for the next match means there is none (e.g. 30 February).</summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(366 * 8);

    private readonly ulong minutes;
    private readonly uint hours;
    private readonly uint days;
    private readonly ushort months;
    private readonly byte weekdays;
    private readonly bool dayOfMonthStar;
    private readonly bool dayOfWeekStar;

    private CronExpression(string text, ulong minutes, uint hours, uint days, ushort months, byte weekdays, bool dayOfMonthStar, bool dayOfWeekStar)
    {
        Text = text;
        this.minutes = minutes;
        this.hours = hours;
        this.days = days;
        this.months = months;
        this.weekdays = weekdays;
        this.dayOfMonthStar = dayOfMonthStar;
        this.dayOfWeekStar = dayOfWeekStar;
    }

    public string Text { get; }

    public static CronExpression Parse(string text) =>
        TryParse(text, out var expression, out var error) ? expression! : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says which field is wrong and why.</summary>
    public static bool TryParse(string? text, out CronExpression? expression, out string? error)
    {
        expression = null;
        var trimmed = (text ?? "").Trim();
        var expanded = trimmed.ToLowerInvariant() switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => trimmed,
        };
        if (expanded.StartsWith('@'))
        {
            error = $"unknown macro {trimmed}; use @yearly, @monthly, @weekly, @daily or @hourly, or 5 fields";
            return false;
        }

        var fields = expanded.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"a cron expression has 5 fields (minute hour day-of-month month day-of-week), \"{trimmed}\" has {fields.Length}; for example \"30 2 * * *\" is every day at 02:30 UTC";
            return false;
        }

        var sets = new ulong[5];
        for (var i = 0; i < 5; i++)
        {
            if (!TryParseField(fields[i], i, out sets[i], out error))
            {
                return false;
            }
        }

        // Day of week 7 is Sunday, like 0.
        var weekdayBits = sets[4];
        if ((weekdayBits & (1UL << 7)) != 0) weekdayBits = (weekdayBits | 1UL) & 0x7F;
        var parsed = new CronExpression(trimmed, sets[0], (uint)sets[1], (uint)sets[2], (ushort)sets[3], (byte)weekdayBits,
            fields[2].StartsWith('*'), fields[4].StartsWith('*'));
        if (parsed.Next(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            error = $"\"{trimmed}\" never matches a date (for example day 31 in a month that has 30 days); fix the day-of-month or month field";
            return false;
        }

        expression = parsed;
        error = null;
        return true;
    }

    /// <summary>The first matching minute strictly after <paramref name="after"/> (UTC); null when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var utc = after.ToUniversalTime();
        var t = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        var limit = t + Horizon;
        while (t < limit)
        {
            if ((months & (1 << t.Month)) == 0)
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }

            if ((hours & (1u << t.Hour)) == 0)
            {
                t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc).AddHours(1);
                continue;
            }

            if ((minutes & (1UL << t.Minute)) == 0)
            {
                t = t.AddMinutes(1);
                continue;
            }

            return new DateTimeOffset(t, TimeSpan.Zero);
        }

        return null;
    }

    /// <summary>The latest matching minute at or before <paramref name="atOrBefore"/> and after <paramref name="after"/>; null when none.</summary>
    public DateTimeOffset? LastBetween(DateTimeOffset after, DateTimeOffset atOrBefore)
    {
        DateTimeOffset? last = null;
        // Bounded: at most one iteration per matching minute in the window, and callers pass short windows or
        // the scheduler's bounded catch-up window.
        for (var next = Next(after); next is { } due && due <= atOrBefore; next = Next(due))
        {
            last = due;
        }

        return last;
    }

    public override string ToString() => Text;

    private bool DayMatches(DateTime t)
    {
        var dom = (days & (1u << t.Day)) != 0;
        var dow = (weekdays & (1 << (int)t.DayOfWeek)) != 0;
        return dayOfMonthStar || dayOfWeekStar ? dom && dow : dom || dow;
    }

    private static bool TryParseField(string field, int index, out ulong bits, out string? error)
    {
        bits = 0;
        error = null;
        var (min, max) = Bounds[index];
        foreach (var part in field.Split(','))
        {
            if (part.Length == 0)
            {
                error = $"the {FieldNames[index]} field \"{field}\" has an empty list item";
                return false;
            }

            var slash = part.Split('/');
            if (slash.Length > 2)
            {
                error = $"the {FieldNames[index]} field item \"{part}\" has more than one '/'";
                return false;
            }

            var step = 1;
            if (slash.Length == 2 && (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > max))
            {
                error = $"the step of the {FieldNames[index]} field item \"{part}\" must be a number from 1 to {max}";
                return false;
            }

            int from, to;
            if (slash[0] == "*")
            {
                (from, to) = (min, index == 4 ? 6 : max);
            }
            else
            {
                var dash = slash[0].Split('-');
                if (dash.Length > 2 || !TryValue(dash[0], index, out from, out error))
                {
                    error = dash.Length > 2 || error is null ? $"the {FieldNames[index]} field item \"{part}\" is not a value, a range a-b or a step" : error;
                    return false;
                }

                if (dash.Length == 2)
                {
                    if (!TryValue(dash[1], index, out to, out error)) return false;
                    if (to < from)
                    {
                        error = $"the range \"{slash[0]}\" in the {FieldNames[index]} field runs backwards; write it as {to}-{from}";
                        return false;
                    }
                }
                else
                {
                    to = slash.Length == 2 ? max : from;
                }
            }

            for (var v = from; v <= to; v += step) bits |= 1UL << v;
        }

        error = null;
        return true;
    }

    private static bool TryValue(string text, int index, out int value, out string? error)
    {
        var (min, max) = Bounds[index];
        var names = index switch { 3 => MonthNames, 4 => DayNames, _ => null };
        var named = names is null ? -1 : Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (named >= 0)
        {
            value = index == 3 ? named + 1 : named;
            error = null;
            return true;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            error = $"\"{text}\" in the {FieldNames[index]} field is not a number{(names is null ? "" : " or a name like " + names[0])}";
            return false;
        }

        if (value < min || value > max)
        {
            error = $"{value} in the {FieldNames[index]} field is out of range {min}-{max}";
            return false;
        }

        error = null;
        return true;
    }
}
