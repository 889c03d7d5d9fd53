using System.Globalization;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// A payload key path as Qdrant's filters write it: <c>a.b.c</c> walks into objects, <c>a[]</c> expands an array,
/// <c>a[2]</c> takes one element. The values found are returned as they are; array-valued results are expanded
/// by the condition that checks them, as in Qdrant.
/// </summary>
internal sealed class PayloadPath
{
    private readonly Segment[] _segments;

    private PayloadPath(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    /// <summary>Set when the path is one plain key, the common case, looked up without allocating.</summary>
    public string? SimpleKey => _segments.Length == 1 && _segments[0].Brackets.Length == 0 ? _segments[0].Name : null;

    public static PayloadPath Parse(string text)
    {
        var segments = new List<Segment>();
        foreach (var part in text.Split('.'))
        {
            var name = part;
            var brackets = new List<int?>();
            while (name.EndsWith(']'))
            {
                var open = name.LastIndexOf('[');
                if (open < 0)
                {
                    throw QdrantHttpError.Format($"Invalid payload key path `{text}`");
                }

                var inside = name[(open + 1)..^1];
                if (inside.Length == 0)
                {
                    brackets.Insert(0, null);
                }
                else if (int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    brackets.Insert(0, index);
                }
                else
                {
                    throw QdrantHttpError.Format($"Invalid payload key path `{text}`");
                }

                name = name[..open];
            }

            if (name.Length == 0)
            {
                throw QdrantHttpError.Format($"Invalid payload key path `{text}`");
            }

            segments.Add(new Segment(name, brackets.ToArray()));
        }

        return new PayloadPath(text, segments.ToArray());
    }

    /// <summary>The values at this path; none when the path is absent.</summary>
    public List<PayloadValue> Find(PayloadObject root)
    {
        var current = new List<PayloadValue> { root };
        foreach (var segment in _segments)
        {
            var next = new List<PayloadValue>();
            foreach (var value in current)
            {
                if (value is PayloadObject obj && obj.Get(segment.Name) is { } child)
                {
                    next.Add(child);
                }
            }

            foreach (var bracket in segment.Brackets)
            {
                var expanded = new List<PayloadValue>();
                foreach (var value in next)
                {
                    if (value is not PayloadArray array)
                    {
                        continue;
                    }

                    if (bracket is { } index)
                    {
                        if (index < array.Items.Count)
                        {
                            expanded.Add(array.Items[index]);
                        }
                    }
                    else
                    {
                        expanded.AddRange(array.Items);
                    }
                }

                next = expanded;
            }

            current = next;
            if (current.Count == 0)
            {
                break;
            }
        }

        return current;
    }

    private sealed record Segment(string Name, int?[] Brackets);
}
