using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NLua;

namespace RagOperator.TestSupport.ArgoCd;

/// <summary>What Argo CD's health check made of one object.</summary>
public sealed record ArgoCdHealth(string Status, string Message);

/// <summary>
/// Runs the shipped Argo CD health check (a Lua script) on an object the way Argo CD does: the object as the global
/// <c>obj</c>, the script's returned table read for <c>status</c> and <c>message</c>. Argo CD embeds gopher-lua (Lua
/// 5.1); this runs Lua 5.4, which runs the same script as long as it keeps to what both share (no goto, integer
/// division or bit operators).
/// </summary>
public sealed class ArgoCdHealthCheck(string script)
{
    public ArgoCdHealth Evaluate(JsonNode obj)
    {
        using var lua = new Lua();
        var source = new StringBuilder("obj = ");
        AppendLua(source, obj);
        source.Append("\nlocal function check()\n").Append(script).Append("\nend\nlocal hs = check()\nreturn hs.status, hs.message\n");
        var results = lua.DoString(source.ToString(), "health.lua");
        return new ArgoCdHealth(results[0] as string ?? "", results.Length > 1 ? results[1] as string ?? "" : "");
    }

    /// <summary>Any serializable object (a typed resource) through its JSON form.</summary>
    public ArgoCdHealth Evaluate<T>(T resource, JsonSerializerOptions options) =>
        Evaluate(JsonSerializer.SerializeToNode(resource, options) ?? throw new ArgumentException("The object serializes to null.", nameof(resource)));

    private static void AppendLua(StringBuilder lua, JsonNode? node)
    {
        switch (node)
        {
            case null:
                lua.Append("nil");
                break;
            case JsonObject map:
                lua.Append('{');
                foreach (var (key, value) in map)
                {
                    lua.Append('[');
                    AppendString(lua, key);
                    lua.Append("]=");
                    AppendLua(lua, value);
                    lua.Append(',');
                }

                lua.Append('}');
                break;
            case JsonArray list:
                lua.Append('{');
                foreach (var item in list)
                {
                    AppendLua(lua, item);
                    lua.Append(',');
                }

                lua.Append('}');
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                AppendString(lua, value.GetValue<string>());
                break;
            case JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                lua.Append(value.GetValue<bool>() ? "true" : "false");
                break;
            case JsonValue value:
                lua.Append(value.ToJsonString());
                break;
        }
    }

    private static void AppendString(StringBuilder lua, string text)
    {
        lua.Append('"');
        foreach (var c in text)
        {
            if (c is '"' or '\\') lua.Append('\\').Append(c);
            else if (c < ' ') lua.Append('\\').Append(((int)c).ToString("D3", CultureInfo.InvariantCulture));
            else lua.Append(c);
        }

        lua.Append('"');
    }
}
