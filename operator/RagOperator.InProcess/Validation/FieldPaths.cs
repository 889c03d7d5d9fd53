using System.Globalization;

namespace RagOperator.InProcess.Validation;

/// <summary>Field paths as Kubernetes' <c>field.Path</c> prints them: <c>spec.a</c>, <c>spec.list[0]</c>, <c>spec.map[key]</c>.</summary>
internal static class FieldPaths
{
    public static string Child(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public static string Key(string parent, string key) => parent + "[" + key + "]";

    /// <summary>How kube-openapi names a location inside its messages ("spec.dimension in body ..."); the root is empty.</summary>
    public static string InBody(string path) => path.Length == 0 ? "in body" : path + " in body";
}
