namespace RagOperator.Storage;

/// <summary>
/// Object keys: segments of <c>[A-Za-z0-9._-]</c> (no <c>.</c> or <c>..</c> segment) joined by <c>/</c>, at most 512
/// characters. The same rule on every store keeps keys portable (a key valid on S3 is a safe relative path on a
/// volume, and no key can escape the store's root).
/// </summary>
public static class ObjectKeys
{
    public const int MaxLength = 512;

    /// <summary>Joins non-empty parts with <c>/</c>, trimming slashes at their ends.</summary>
    public static string Join(params string?[] parts) =>
        string.Join('/', parts.Where(p => !string.IsNullOrEmpty(p)).Select(p => p!.Trim('/')).Where(p => p.Length > 0));

    /// <summary>Null when <paramref name="key"/> is valid, else what is wrong with it.</summary>
    public static string? Problem(string key, bool allowEmpty = false)
    {
        if (key.Length == 0) return allowEmpty ? null : "the key is empty";
        if (key.Length > MaxLength) return $"the key is longer than {MaxLength} characters";
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0) return $"key {key} has an empty segment (a leading, trailing or double /)";
            if (segment is "." or "..") return $"key {key} has a . or .. segment";
            foreach (var c in segment)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                    return $"key {key} has the character '{c}'; use letters, digits, '.', '_', '-' and '/'";
            }
        }

        return null;
    }

    public static string Check(string key, bool allowEmpty = false) =>
        Problem(key, allowEmpty) is { } problem ? throw new ArgumentException(problem, nameof(key)) : key;
}
